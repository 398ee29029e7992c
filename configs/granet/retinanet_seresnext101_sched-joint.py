# Table 3: joint training, detector and G updated every iteration.
_base_ = './retinanet_seresnext101.py'

train_cfg = dict(schedule='joint')
