# mmdet's RetinaNet R50-FPN for the one RSNA box class, "Lung Opacity".
_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'

num_classes = 1

model = dict(bbox_head=dict(num_classes=num_classes))
