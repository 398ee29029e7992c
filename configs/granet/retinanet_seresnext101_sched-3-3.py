# Table 3: the alternating schedule 3:3 (detector 3 epoch(s) with G
# frozen, then G 3 epoch(s) with the detector frozen).
_base_ = './retinanet_seresnext101.py'

train_cfg = dict(schedule='3:3')
