# GRANet on the RSNA Pneumonia Detection Challenge: the config to train and
# to modify. The same model under its model-zoo name (table 1, last row):
#   granet_retinanet-dagger_seresnext101_fpn-p2_1xb6-12e-alt2-2_rsna-align-syn.py
# RetinaNet† with an ImageNet SE-ResNeXt101-32x4d at 512 px, its pyramid
# weighted by |x - G(x)| (G: the Abn2Nor generator at 256 px), STN-aligned
# images, pseudo-abnormal augmentation, the alternating 2:2 schedule.
#
#   python tools/train.py configs/granet/retinanet_seresnext101.py
#
# Where it reads (environment variables, configs/_base_/datasets/
# rsna_detection.py): MMGRANET_DATA_ROOT [data/rsna/], MMGRANET_SETTING
# [fold0], MMGRANET_WORK_ROOT [work_dirs/pipeline_rsna/]. Before it: the
# RSNA stage 2 files and weights (docs/rsna.md), then the earlier stages'
# artifacts: `python tools/run_pipeline.py --preset rsna --until abn2nor`.
# Without the data, `python tools/run_pipeline.py --preset rsna --smoke`
# makes a generated RSNA-layout dataset and runs every stage on it.
_base_ = './granet_retinanet-dagger_seresnext101_fpn-p2_1xb6-12e-alt2-2_' \
    'rsna-align-syn.py'

# ======================= Frequently modified parameters =====================
# ImageNet SE-ResNeXt101-32x4d in mmpretrain's names (docs/rsna.md,
# "Weights"); a missing file is an error, never random weights
pretrained = _base_.pretrained
# G: the Abn2Nor stage's last checkpoint (configs/cgan/abn2nor_*_rsna.py)
abn2nor_checkpoint = _base_.abn2nor_checkpoint
schedule = '2:2'  # detector n epochs, then G m epochs; or 'joint'
detector_epochs = 12  # the detector's epochs (the RetinaNet† baseline's)
batch_size = 6  # per GPU; --auto-scale-lr scales lr by the real batch
lr = 1e-5  # the detector's Adam (paper 3.2)
generator_lr = _base_.generator_lr  # G's Adam in its phases
# ============================================================================

model = dict(
    generator_checkpoint=abn2nor_checkpoint,
    detector=dict(backbone=dict(init_cfg=dict(checkpoint=pretrained))))
train_dataloader = dict(batch_size=batch_size)
train_cfg = dict(schedule=schedule, detector_epochs=detector_epochs)
optim_wrapper = dict(
    detector=dict(optimizer=dict(lr=lr)),
    generator=dict(optimizer=dict(lr=generator_lr)))
