# UNIT on mini-RSNA at 128 px with the mini widths (32 channels).
_base_ = '../cyclegan/cyclegan_resnet6-32c_1xb4-20e_mini-rsna.py'

model = dict(
    _delete_=True,
    type='UNIT',
    domains=('abnormal', 'normal'),
    in_channels=1,
    base_channels=32,
    num_blocks=3)
