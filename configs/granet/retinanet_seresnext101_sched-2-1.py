# Table 3: the alternating schedule 2:1 (detector 2 epoch(s) with G
# frozen, then G 1 epoch(s) with the detector frozen).
_base_ = './retinanet_seresnext101.py'

train_cfg = dict(schedule='2:1')
