# The full method on fold 3 of the 4-fold patient-level CV.
_base_ = './retinanet_seresnext101.py'

fold = 3
train_dataloader = dict(
    dataset=dict(split_file=f'splits/fold{fold}_train.txt'))
val_dataloader = dict(dataset=dict(split_file=f'splits/fold{fold}_val.txt'))
test_dataloader = val_dataloader
