"""Check that the installed stack works end to end and time its pieces.

Builds, in the mmgranet scope, the pieces GRANet is made of: a RetinaNet
from configs/_base_/models/retinanet_r50_fpn.py (one training step and one
prediction on a synthetic batch with and without boxes), mmcv's compiled
NMS (and, with a GPU, its CUDA NMS and RoIAlign), and MMagic's CycleGAN
generator and PatchGAN discriminator (1 channel).
Prints one line per check and exits non-zero on the first failure.
"""
import argparse
import os.path as osp
import time

import torch
from mmengine import Config
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def check_cuda_ops(boxes: torch.Tensor) -> None:
    """mmcv's CUDA kernels (a CPU-only mmcv build fails here: rebuild with
    scripts/build_mmcv_wheel.py on the GPU machine)."""
    from mmcv.ops import RoIAlign, nms
    _, keep = nms(boxes.cuda(), torch.tensor([0.9, 0.8]).cuda(), 0.5)
    assert keep.tolist() == [0], keep
    print(f'ok   mmcv.ops.nms on {torch.cuda.get_device_name(0)}')
    feats = torch.arange(64, dtype=torch.float32).view(1, 1, 8, 8)
    rois = torch.tensor([[0, 0, 0, 4, 4]], dtype=torch.float32)
    align = RoIAlign((2, 2), spatial_scale=1.0, sampling_ratio=2,
                     aligned=True)
    cpu, gpu = align(feats, rois), align(feats.cuda(), rois.cuda()).cpu()
    assert torch.allclose(cpu, gpu, atol=1e-4), (cpu, gpu)
    print('ok   mmcv.ops.RoIAlign on the GPU (equal to the CPU op)')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, default=256,
                        help='image side for the timed forward passes')
    args = parser.parse_args()

    import mmagic
    import mmcv
    import mmdet
    import mmengine
    from mmcv.ops import nms

    import mmgranet
    from mmgranet.registry import MODELS
    from mmgranet.testing import demo_det_inputs
    print(f'mmgranet {mmgranet.__version__} | torch {torch.__version__} '
          f'(CUDA available: {torch.cuda.is_available()}) | mmcv '
          f'{mmcv.__version__} | mmengine {mmengine.__version__} | mmdet '
          f'{mmdet.__version__} | mmagic {mmagic.__version__}')
    init_default_scope('mmgranet')

    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.]])
    _, keep = nms(boxes, torch.tensor([0.9, 0.8]), 0.5)
    assert keep.tolist() == [0], keep
    print('ok   mmcv.ops.nms (compiled op)')
    if torch.cuda.is_available():
        check_cuda_ops(boxes)

    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/models/retinanet_r50_fpn.py'))
    cfg.model.backbone.init_cfg = None  # no download
    detector = MODELS.build(cfg.model)
    detector.init_weights()
    size = args.size
    packed = demo_det_inputs([(3, size, size)] * 2, num_boxes=[2, 0])
    detector.train()
    data = detector.data_preprocessor(packed, True)

    def train_step():
        loss, _ = detector.parse_losses(detector(**data, mode='loss'))
        loss.backward()
        return loss

    loss, seconds = timed(train_step)
    assert torch.isfinite(loss)
    print(f'ok   RetinaNet R50-FPN train step, 2 x {size}px '
          f'(one image without boxes): loss {loss.item():.3f}, '
          f'{seconds:.2f} s')
    detector.eval()
    with torch.no_grad():
        results, seconds = timed(lambda: detector(
            **detector.data_preprocessor(packed, False), mode='predict'))
    print(f'ok   RetinaNet predict: {len(results[0].pred_instances)} boxes '
          f'on image 0, {seconds:.2f} s')

    gen = MODELS.build(dict(type='mmagic.ResnetGenerator', in_channels=1,
                            out_channels=1, base_channels=64, num_blocks=9))
    disc = MODELS.build(dict(type='mmagic.PatchDiscriminator', in_channels=1,
                             base_channels=64, num_conv=3))
    x = torch.rand(1, 1, size, size) * 2 - 1
    with torch.no_grad():
        y, seconds = timed(lambda: gen(x))
        score = disc(y)
    assert y.shape == x.shape
    n_params = sum(p.numel() for p in gen.parameters()) / 1e6
    print(f'ok   mmagic.ResnetGenerator (9 blocks, {n_params:.1f}M params) '
          f'{size}px forward {seconds:.2f} s; PatchDiscriminator output '
          f'{tuple(score.shape)}')
    print('stack check passed')


if __name__ == '__main__':
    main()
