"""Run a trained GRANet (or any mmgranet detector) on new radiographs.

    infer.py INPUTS CONFIG CKPT [CKPT ...] --out DIR [--aligner CFG CKPT]
             [--flip] [--fusion wbf|nms] [--show] [--skip-bad]
             [--save-members]

INPUTS is a folder (every .dcm / .png / .jpg in it), a glob, or a text
file listing one path per line; no labels are needed. The STN aligner
runs online for aligned configs (``--aligner``: its config and
checkpoint), GRANet's G runs inside the detector, and the boxes come back
in each file's own pixels. Several CKPTs (folds, epochs) and ``--flip``
(horizontal-flip TTA) are fused per image (mmgranet.apis.inferencer).

Writes, under DIR: ``predictions/<patientId>.json`` per image (boxes,
scores, the image-level "Lung Opacity" probability, the alignment
affine), ``submission.csv`` (Kaggle's ``patientId,PredictionString``,
every input a row; the patient id is the file name's stem), with
``--show`` ``show/<patientId>.png`` (the boxes over the image with the
residual |x - G(x)| as a heat map) and ``run.json`` (what made them). A
rerun with the same models skips the images already predicted, so a
large folder resumes; other models in the same DIR are an error. A file
that cannot be read is an error naming it, or with ``--skip-bad`` it is
listed in ``bad_files.txt`` (and on stderr) and gets an empty row.
"""
import argparse
import glob
import json
import os
import os.path as osp
import sys

from mmgranet.fileio import (IMAGE_SUFFIXES, InputError, atomic_write,
                             write_submission)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('inputs', help='a folder, a glob or a list file')
    parser.add_argument('config', help='the detector config')
    parser.add_argument('checkpoints', nargs='+', help='one or more '
                        'checkpoints of it (fused)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--aligner', nargs=2, metavar=('CONFIG', 'CKPT'),
                        action='append',
                        help='the STN aligner, for aligned configs: once '
                        'for every checkpoint, or once per checkpoint in '
                        'their order (each fold its own)')
    parser.add_argument('--flip', action='store_true',
                        help='also predict the horizontal flip (TTA)')
    parser.add_argument('--fusion', choices=['wbf', 'nms'], default='wbf',
                        help='how members are fused (default: weighted box '
                        'fusion)')
    parser.add_argument('--iou-thr', type=float, default=0.55,
                        help="the fusion's IoU (default 0.55)")
    parser.add_argument('--score-thr', type=float, default=0.0,
                        help='leave boxes below this score out of the '
                        'submission (choose it on validation patients: '
                        'tools/rsna_score.py --cutoff-from)')
    parser.add_argument('--save-members', action='store_true',
                        help='also keep every pass (checkpoint x flip) '
                        'before fusion in the JSONs, to fuse subsets '
                        'later (tools/experiments/ensemble_mini.py)')
    parser.add_argument('--show', action='store_true',
                        help='an overlay PNG per image')
    parser.add_argument('--show-thr', type=float, default=0.3,
                        help='boxes drawn in the overlays (default 0.3)')
    parser.add_argument('--skip-bad', action='store_true',
                        help='list unreadable files and go on')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', help='default: cuda when available')
    return parser.parse_args(argv)


def list_inputs(spec: str):
    """The files of a folder, a glob or a list file, sorted, no
    duplicates; an empty input is an error naming it."""
    if osp.isdir(spec):
        paths = [osp.join(spec, n) for n in os.listdir(spec)
                 if n.lower().endswith(IMAGE_SUFFIXES)]
    elif osp.isfile(spec) and spec.lower().endswith(('.txt', '.lst')):
        with open(spec) as f:
            paths = [ln.strip() for ln in f if ln.strip()]
        base = osp.dirname(spec)
        paths = [p if osp.isabs(p) or osp.exists(p) else osp.join(base, p)
                 for p in paths]
    elif osp.isfile(spec):
        paths = [spec]
    else:
        paths = glob.glob(spec)
    paths = sorted(dict.fromkeys(paths))
    if not paths:
        raise InputError(f'{spec}: no radiographs (a folder, a glob or a '
                         'list file of .dcm / .png / .jpg)')
    stems = {}
    for p in paths:
        stem = osp.splitext(osp.basename(p))[0]
        if stem in stems:
            raise InputError(f'{p} and {stems[stem]}: two files of one '
                             f'patient id {stem!r}')
        stems[stem] = p
    return paths


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        paths = list_inputs(args.inputs)
    except InputError as e:
        print(f'infer: {e}', file=sys.stderr)
        return 2
    os.makedirs(osp.join(args.out, 'predictions'), exist_ok=True)
    run = dict(config=osp.abspath(args.config),
               checkpoints=[osp.abspath(c) for c in args.checkpoints],
               aligner=[[osp.abspath(a) for a in pair]
                        for pair in args.aligner or []],
               flip=args.flip, fusion=args.fusion, iou_thr=args.iou_thr,
               save_members=args.save_members)
    run_file = osp.join(args.out, 'run.json')
    if osp.exists(run_file):
        with open(run_file) as f:
            before = json.load(f)
        if before != run:
            print(f'infer: {args.out} holds predictions of other models '
                  f'({run_file}); give another --out', file=sys.stderr)
            return 2
    else:
        with atomic_write(run_file) as f:
            json.dump(run, f, indent=1)

    from tqdm import tqdm

    from mmgranet.apis.inferencer import (GRANetInferencer, overlay,
                                          prediction_json)
    from mmgranet.fileio import read_image
    try:
        infer = GRANetInferencer(args.config, args.checkpoints,
                                 aligner=args.aligner, device=args.device,
                                 flip=args.flip, fusion=args.fusion,
                                 iou_thr=args.iou_thr,
                                 batch_size=args.batch_size)
    except (InputError, ValueError) as e:
        print(f'infer: {e}', file=sys.stderr)
        return 2

    def out_json(path):
        return osp.join(args.out, 'predictions',
                        osp.splitext(osp.basename(path))[0] + '.json')

    todo = [p for p in paths if not osp.exists(out_json(p))]
    bad = {}
    for start in tqdm(range(0, len(todo), args.batch_size),
                      desc=f'{len(todo)} of {len(paths)} images'):
        batch = todo[start:start + args.batch_size]
        try:
            preds = list(zip(batch, infer(batch)))
        except InputError:
            preds = []  # find the bad files one by one
            for path in batch:
                try:
                    preds += list(zip([path], infer([path])))
                except InputError as e:
                    if not args.skip_bad:
                        print(f'infer: {e} (--skip-bad lists such files '
                              'and goes on)', file=sys.stderr)
                        return 2
                    bad[path] = str(e)
                    print(f'infer: skipped {e}', file=sys.stderr)
        for path, p in preds:
            pid = osp.splitext(osp.basename(path))[0]
            if args.show:
                import cv2
                os.makedirs(osp.join(args.out, 'show'), exist_ok=True)
                ok, buf = cv2.imencode('.png', overlay(
                    read_image(path), p, args.show_thr))
                with atomic_write(osp.join(args.out, 'show', f'{pid}.png'),
                                  'wb') as f:
                    f.write(buf.tobytes())
            with atomic_write(out_json(path)) as f:
                json.dump(prediction_json(pid, path, p,
                                          members=args.save_members), f)
    if bad:
        with atomic_write(osp.join(args.out, 'bad_files.txt')) as f:
            f.writelines(f'{p}\t{e}\n' for p, e in sorted(bad.items()))
    import numpy as np
    predictions = {}
    for path in paths:
        pid = osp.splitext(osp.basename(path))[0]
        if path in bad or not osp.exists(out_json(path)):
            predictions[pid] = (np.zeros((0, 4)), np.zeros(0))
            continue
        with open(out_json(path)) as f:
            r = json.load(f)
        boxes = np.asarray(r['boxes'], np.float64).reshape(-1, 4)
        scores = np.asarray(r['scores'], np.float64)
        keep = scores >= args.score_thr
        predictions[pid] = (boxes[keep], scores[keep])
    write_submission(osp.join(args.out, 'submission.csv'), predictions)
    print(json.dumps(dict(images=len(paths), predicted=len(todo) - len(bad),
                          reused=len(paths) - len(todo), bad=len(bad),
                          submission=osp.join(args.out, 'submission.csv'))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
