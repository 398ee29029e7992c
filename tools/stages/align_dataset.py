"""Align a whole RSNA-layout dataset with a trained STN aligner.

Writes OUT in the same layout (aligned images, boxes carried through each
affine, the class file) plus OUT/affines.csv, each image's affine from
original to aligned pixels; AffineAlign(affine_file=...) reads it, and
predictions are mapped back with its inverse before scoring. Resumable.
"""
import argparse
import json

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmgranet.apis import align_dataset
from mmgranet.apis.generator_inference import default_device
from mmgranet.fileio import check_checkpoint
from mmgranet.registry import MODELS


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--device', help='default: cuda when available')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, e.g. model.input_size=64 '
                        '(as the aligner was trained)')
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmgranet'))
    # aligning needs the STN only: not the perceptual loss's VGG16
    cfg.model.perceptual = dict(cfg.model.get('perceptual') or {},
                                weight=0.0)
    model = MODELS.build(cfg.model)
    check_checkpoint(args.checkpoint, 'aligner checkpoint',
                     'made by the aligner stage: tools/train.py '
                     'configs/aligner/stn_*.py')
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.to(args.device or default_device())
    counts = align_dataset(model, args.data_root, args.out,
                           args.batch_size)
    print(json.dumps(counts))


if __name__ == '__main__':
    main()
