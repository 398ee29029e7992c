# RetinaNet† at mini scale (mini-RSNA, 128 px, CPU): ResNet18 from random
# init instead of SE-ResNeXt101, with the rest of [6]'s changes (P2 level,
# dropout before the classifier, global image head). The baseline of the
# mini ablations (tools/experiments/ablation_mini.py).
_base_ = './retinanet_r18_fpn_1xb8-8e_mini-rsna.py'

model = dict(
    type='mmgranet.GlobalLabelRetinaNet',
    neck=dict(start_level=0, add_extra_convs='on_input', num_outs=5),
    bbox_head=dict(
        type='mmgranet.DropoutRetinaHead',
        dropout=0.5,
        anchor_generator=dict(octave_base_scale=4,
                              strides=[4, 8, 16, 32, 64])),
    image_head=dict(type='mmgranet.ImageLabelHead', in_channels=512,
                    dropout=0.5, loss_weight=0.1))
