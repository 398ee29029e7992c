# The mini recipe of every detector trained from random init on mini-RSNA
# (RetinaNet†, Mask R-CNN, GRANet's detector): AdamW with a cosine decay
# learns within 8 epochs where SGD did not (AP 0.000 after 6 epochs).
_base_ = './schedule_1x.py'

max_epochs = 8
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, by_epoch=True,
         T_max=max_epochs, eta_min=1e-5)
]
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=35, norm_type=2))
