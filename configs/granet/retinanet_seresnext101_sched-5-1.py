# Table 3: the alternating schedule 5:1 (detector 5 epoch(s) with G
# frozen, then G 1 epoch(s) with the detector frozen).
_base_ = './retinanet_seresnext101.py'

train_cfg = dict(schedule='5:1')
