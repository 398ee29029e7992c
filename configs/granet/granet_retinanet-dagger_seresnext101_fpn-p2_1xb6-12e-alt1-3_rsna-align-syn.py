# Table 3: the alternating schedule 1:3 (detector 1 epoch(s) with G
# frozen, then G 3 epoch(s) with the detector frozen; the detector 12
# epochs in all).
_base_ = './granet_retinanet-dagger_seresnext101_fpn-p2_1xb6-12e-alt2-2_' \
    'rsna-align-syn.py'

train_cfg = dict(schedule='1:3')
