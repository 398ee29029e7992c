# Table 3: joint training, the detector and G updated every iteration
# (12 epochs).
_base_ = './granet_retinanet-dagger_seresnext101_fpn-p2_1xb6-12e-alt2-2_' \
    'rsna-align-syn.py'

train_cfg = dict(schedule='joint')
