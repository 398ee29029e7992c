"""Convert timm's or Cadene's SE-ResNeXt101-32x4d ImageNet weights to what
the RSNA configs load (mmpretrain's key names, checked strictly).

    # with internet, once (either source):
    python -c "import timm, torch; torch.save(timm.create_model(
        'seresnext101_32x4d', pretrained=True).state_dict(), 'timm.pth')"
    python tools/model_converters/seresnext_to_mmpretrain.py timm.pth \\
        data/pretrained/seresnext101_32x4d.pth
    python tools/model_converters/seresnext_to_mmpretrain.py --check \\
        data/pretrained/seresnext101_32x4d.pth

The source is detected from the key names (--source to force it). Cadene's
weights (pretrainedmodels' se_resnext101_32x4d, the paper's ref. [6]; also
timm's legacy_seresnext101_32x4d) need the backbone's stem_pool='cadene'
(the converter says so and records it). The result is loaded into the
configured backbone with every key checked before it is written; --check
verifies an existing file the same way. Last line: JSON.
"""
import argparse
import json
import sys

import torch

from mmgranet.fileio import InputError, atomic_write
from mmgranet.models.backbones import (SEResNeXt, convert_seresnext,
                                       detect_seresnext_source)


def load_state(path: str) -> dict:
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:
        raise InputError(f'{path}: cannot be read as a torch checkpoint '
                         f'({type(e).__name__}: {e})') from None
    for key in ('state_dict', 'model', 'module'):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not obj:
        raise InputError(f'{path}: holds no state dict')
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in obj.items()}


def check(state: dict, stem_pool: str, path: str) -> int:
    """Load into the RSNA configs' backbone with strict key checking."""
    backbone = SEResNeXt(depth=101, groups=32, width_per_group=4,
                         out_indices=(0, 1, 2, 3), stem_pool=stem_pool)
    own = backbone.state_dict()
    missing = [k for k in own if k not in state]
    unused = [k for k in state if k not in own]
    shapes = [k for k in own if k in state and
              tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unused or shapes:
        raise InputError(
            f'{path}: {len(own) - len(missing) - len(shapes)} of the '
            f'{len(own)} SE-ResNeXt101-32x4d keys match (missing e.g. '
            f'{missing[:3]}, unused e.g. {unused[:3]}, other shapes e.g. '
            f'{shapes[:3]}); is it a 101-layer 32x4d SE-ResNeXt?')
    backbone.load_state_dict(state, strict=True)
    return len(own)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('src', help='a timm or Cadene state dict (.pth)')
    parser.add_argument('dst', nargs='?', help='the converted file')
    parser.add_argument('--source', choices=['auto', 'timm', 'cadene'],
                        default='auto')
    parser.add_argument('--check', action='store_true',
                        help='only check that SRC (converted) loads')
    args = parser.parse_args(argv)
    try:
        if args.check:
            raw = torch.load(args.src, map_location='cpu',
                             weights_only=False)
            meta = raw.get('meta', {}) if isinstance(raw, dict) else {}
            stem = meta.get('stem_pool', 'pytorch')
            keys = check(load_state(args.src), stem, args.src)
            result = dict(file=args.src, keys=keys, stem_pool=stem)
        else:
            if not args.dst:
                parser.error('give DST (or --check)')
            state = load_state(args.src)
            source = detect_seresnext_source(state) \
                if args.source == 'auto' else args.source
            converted = convert_seresnext(state, source)
            stem = 'cadene' if source == 'cadene' else 'pytorch'
            keys = check(converted, stem, args.src)
            with atomic_write(args.dst, 'wb') as f:
                torch.save(dict(state_dict=converted,
                                meta=dict(source=source, stem_pool=stem,
                                          converted_from=args.src)), f)
            result = dict(file=args.dst, source=source, keys=keys,
                          stem_pool=stem)
            if stem == 'cadene':
                print("Cadene weights: set the backbone's stem_pool='cadene'"
                      ' (configs/retinanet/retinanet-dagger_seresnext101_*: '
                      'stem_pool = \'cadene\')')
    except (InputError, ValueError) as e:
        print(f'seresnext_to_mmpretrain: {e}', file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
