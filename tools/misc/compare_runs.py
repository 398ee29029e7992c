"""Do two pipeline runs agree? Compares two settings' artifact dirs (e.g.
two `make demo` runs, or a demo and an ablation chain of the same seed):
every training stage's last checkpoint tensor by tensor, the submissions
byte by byte, the numbers of ``results.json`` and, with ``--data``, the
two data roots' files (DICOM pixels and headers apart). A number that
only one ``results.json`` has (a metric added since) is listed, not
counted as a difference.

    python tools/misc/compare_runs.py WORK_A/fold0 WORK_B/fold0 \\
        [--data DATA_A DATA_B]

Prints one line per item and, last, a JSON summary; exits 1 when anything
differs (or is missing on one side).
"""
import argparse
import glob
import hashlib
import json
import os.path as osp
import re
import sys

TRAINED = ('aligner', 'realistic', 'abn2nor', 'baseline', 'granet')


def last_checkpoint(folder: str):
    ckpts = glob.glob(osp.join(folder, 'epoch_*.pth'))
    return max(ckpts, key=lambda p: int(re.findall(r'\d+', osp.basename(p))
                                        [0])) if ckpts else None


def state_dict(path: str) -> dict:
    import torch
    try:
        return torch.load(path, map_location='cpu',
                          weights_only=False)['state_dict']
    except Exception as e:  # the file, not a traceback
        raise SystemExit(f'error: {path}: not a readable checkpoint with a '
                         f'state_dict ({type(e).__name__}: {e})') from None


def compare_checkpoints(a: str, b: str) -> dict:
    """The largest absolute difference over the state dicts' tensors, and
    how many tensors differ."""
    sa, sb = state_dict(a), state_dict(b)
    if set(sa) != set(sb):
        return dict(same=False, note='different tensors')
    diffs = [float((sa[k].double() - sb[k].double()).abs().max())
             if sa[k].numel() else 0.0 for k in sa]
    return dict(same=max(diffs, default=0.0) == 0.0, tensors=len(diffs),
                differ=sum(d > 0 for d in diffs),
                max_abs=max(diffs, default=0.0))


def md5(path: str) -> str:
    with open(path, 'rb') as f:
        return hashlib.md5(f.read()).hexdigest()


def numbers(d, prefix=''):
    """Every number of a nested dict, by its dotted key."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(numbers(v, f'{prefix}{k}.'))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[prefix + k] = v
    return out


def compare_data(a: str, b: str) -> dict:
    import numpy as np
    import pydicom
    files = sorted(osp.relpath(p, a) for p in
                   glob.glob(osp.join(a, '**', '*'), recursive=True)
                   if osp.isfile(p))
    missing = [f for f in files if not osp.isfile(osp.join(b, f))]
    differ, pixels = [], []
    for f in files:
        if f in missing or md5(osp.join(a, f)) == md5(osp.join(b, f)):
            continue
        differ.append(f)
        if f.endswith('.dcm') and not np.array_equal(
                pydicom.dcmread(osp.join(a, f)).pixel_array,
                pydicom.dcmread(osp.join(b, f)).pixel_array):
            pixels.append(f)
    return dict(files=len(files), missing=len(missing),
                bytes_differ=len(differ), pixels_differ=len(pixels),
                first_differing=(missing + differ)[:10],
                pixels_same=not missing and not pixels,
                same=not missing and not differ)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('a', help="a setting's artifact dir (WORK/<setting>)")
    parser.add_argument('b', help='the other one')
    parser.add_argument('--data', nargs=2, metavar=('DATA_A', 'DATA_B'),
                        help='also compare the two data roots')
    args = parser.parse_args(argv)
    summary = {}
    for stage in TRAINED:
        ca = last_checkpoint(osp.join(args.a, stage))
        if ca is None:
            continue
        cb = osp.join(args.b, stage, osp.basename(ca))
        r = compare_checkpoints(ca, cb) if osp.isfile(cb) else dict(
            same=False, note=f'{cb}: no such checkpoint')
        summary[f'checkpoint/{stage}'] = r
        print(f'{stage}: {osp.basename(ca)} ' + (
            'identical' if r['same'] else r.get('note') or
            f'{r["differ"]} of {r["tensors"]} tensors differ, max |diff| '
            f'{r["max_abs"]:.3g}'))
    for sub in sorted(glob.glob(osp.join(args.a, 'submissions', '*.csv'))):
        other = osp.join(args.b, 'submissions', osp.basename(sub))
        same = osp.isfile(other) and md5(sub) == md5(other)
        summary[f'submission/{osp.basename(sub)}'] = dict(same=same)
        print(f'{osp.basename(sub)}: ' + ('identical' if same else 'DIFFERS'))
    ra, rb = (osp.join(d, 'results.json') for d in (args.a, args.b))
    if osp.isfile(ra):
        na = numbers(json.load(open(ra)).get('detection', {}))
        nb = numbers(json.load(open(rb)).get('detection', {})) \
            if osp.isfile(rb) else {}
        common = sorted(set(na) & set(nb))
        differ = [k for k in common if na[k] != nb[k]]
        only = sorted(set(na) ^ set(nb))
        summary['results'] = dict(same=bool(common) and not differ,
                                  numbers=len(common), differ=differ,
                                  one_side_only=only)
        listed = f' ({", ".join(differ[:5])})' if differ else ''
        print(f'results.json: {len(common)} numbers in both, '
              f'{len(differ)} differ{listed}' +
              (f'; on one side only: {", ".join(only)}' if only else ''))
    if args.data:
        r = summary['data'] = compare_data(*args.data)
        print(f'data: {r["files"]} files, {r["missing"]} missing, '
              f'{r["bytes_differ"]} differ in bytes, '
              f'{r["pixels_differ"]} in pixels')
    if not summary:
        print(f'error: {args.a}: no checkpoints, submissions or '
              'results.json to compare', file=sys.stderr)
        return 2
    same = all(v['same'] for v in summary.values())
    print(json.dumps(dict(same=same, items=summary)))
    return 0 if same else 1


if __name__ == '__main__':
    sys.exit(main())
