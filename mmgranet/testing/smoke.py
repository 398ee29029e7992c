"""The pipeline's ``--smoke`` scaffolding: the RSNA preset's real configs
on a generated RSNA-layout dataset at RSNA's 1024 px, a few iterations of
every training stage, and weight files of the right format (random
values) where the RSNA configs load pretrained ones strictly."""
import os
import os.path as osp

from mmgranet.fileio import atomic_write

# a generated RSNA-layout dataset at 1024 px, small
SMOKE_DATA = dict(generate=True, num_patients=24, num_test=2, size=1024,
                  holdout=4, test_size=4, data_root='data/rsna-smoke/',
                  work_root='work_dirs/pipeline_rsna-smoke/')
# the training stages' options: the weight files below, four images
SMOKE_OPTIONS = dict(
    aligner=('model.perceptual.vgg_weights={art}pretrained/vgg16.pth', ),
    baseline=('model.backbone.init_cfg.checkpoint='
              '{art}pretrained/seresnext101_32x4d.pth', ),
    granet=('model.detector.backbone.init_cfg.checkpoint='
            '{art}pretrained/seresnext101_32x4d.pth', ))
SMOKE_TRAIN_OPTIONS = ('train_dataloader.dataset.indices=4',
                       'train_dataloader.batch_size=2')


def write_smoke_weights(art: str) -> None:
    """Random weights in the formats the RSNA configs load strictly: a
    torchvision VGG16 state dict and a converted SE-ResNeXt101-32x4d,
    under ``art/pretrained/``."""
    import torch
    from torchvision.models import vgg16

    from mmgranet.models.backbones import SEResNeXt
    os.makedirs(osp.join(art, 'pretrained'), exist_ok=True)
    path = osp.join(art, 'pretrained', 'vgg16.pth')
    if not osp.exists(path):
        with atomic_write(path, 'wb') as f:
            torch.save(vgg16(weights=None).state_dict(), f)
    path = osp.join(art, 'pretrained', 'seresnext101_32x4d.pth')
    if not osp.exists(path):
        backbone = SEResNeXt(depth=101, groups=32, width_per_group=4,
                             out_indices=(0, 1, 2, 3))
        with atomic_write(path, 'wb') as f:
            torch.save(dict(state_dict=backbone.state_dict()), f)
