"""The demo: mini-RSNA end to end with the pieces that exist so far.

1. generate mini-RSNA (tools/make_mini_rsna.py) and its splits;
2. train the RetinaNet R18-FPN baseline on fold 0 (tools/train.py);
3. test it on fold 0's validation patients: RSNA metric and a Kaggle
   submission (tools/test.py --out);
4. score the submission against the labels (tools/rsna_score.py).

Each step skips itself when its output is there (training resumes from
its last checkpoint after an interruption), so a rerun is fast.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = 'configs/retinanet/retinanet_r18_fpn_1x_mini-rsna.py'


def run(step, cmd):
    print(f'\n=== {step}\n$ {" ".join(cmd)}', flush=True)
    start = time.time()
    subprocess.run(cmd, cwd=REPO, check=True)
    print(f'=== {step}: {time.time() - start:.0f} s', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/mini-rsna')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-patients', type=int, default=300)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--epochs', type=int, default=6)
    args = parser.parse_args()
    py = sys.executable
    data = args.data_root.rstrip('/') + '/'
    work = osp.join(args.work_dir, 'retinanet_r18_fpn_mini-rsna')
    data_opts = [f'{split}_dataloader.dataset.data_root={data}'
                 for split in ('train', 'val', 'test')]

    run('data: mini-RSNA', [
        py, 'tools/make_mini_rsna.py', '--out', args.data_root,
        '--num-patients', str(args.num_patients), '--size', str(args.size)
    ])
    if not osp.exists(osp.join(data, 'splits', 'splits.json')):
        run('data: patient-level splits', [
            py, 'tools/make_rsna_splits.py', args.data_root, '--holdout',
            str(max(1, args.num_patients // 5))
        ])

    final = osp.join(work, f'epoch_{args.epochs}.pth')
    if not osp.exists(final):
        resume = ['--resume'] if osp.exists(
            osp.join(work, 'last_checkpoint')) else []
        run('train: RetinaNet R18-FPN baseline, fold 0', [
            py, 'tools/train.py', CONFIG, '--work-dir', work, *resume,
            '--cfg-options', f'train_cfg.max_epochs={args.epochs}',
            *data_opts
        ])

    submission = osp.join(args.work_dir, 'submission_fold0_val.csv')
    run('test: RSNA metric + Kaggle submission, fold 0 validation', [
        py, 'tools/test.py', CONFIG, final, '--work-dir', work, '--out',
        submission, '--cfg-options', *data_opts
    ])

    # the submission lists fold 0's validation patients; the other labelled
    # patients count as "no prediction" in rsna_score, so score on the
    # validation patients only
    with open(osp.join(data, 'splits', 'fold0_val.txt')) as f:
        val = set(f.read().split())
    labels = osp.join(args.work_dir, 'labels_fold0_val.csv')
    with open(osp.join(data, 'stage_2_train_labels.csv')) as f, \
            open(labels, 'w') as out:
        lines = f.readlines()
        out.write(lines[0])
        out.writelines(line for line in lines[1:]
                       if line.split(',')[0] in val)
    score = subprocess.run(
        [py, 'tools/rsna_score.py', labels, submission, '--sweep'],
        cwd=REPO, check=True, capture_output=True, text=True).stdout
    result = json.loads(score.strip().splitlines()[-1])
    print('\n=== results (mini-RSNA, fold 0 validation, '
          f'{result["num_images"]} scored images)')
    print('| model | RSNA AP | AP@0.4 | AP@0.75 | best cut-off | AP there |')
    print('| --- | --- | --- | --- | --- | --- |')
    print(f'| RetinaNet R18-FPN, {args.epochs} epochs | {result["AP"]:.3f} '
          f'| {result["AP@0.4"]:.3f} | {result["AP@0.75"]:.3f} | '
          f'{result["best_score_thr"]:.2f} | '
          f'{result["AP@best_score_thr"]:.3f} |')
    print(f'submission: {submission}')
    print(f'contact sheet: {osp.join(data, "contact_sheet.png")}')
    return 0


if __name__ == '__main__':
    os.environ.setdefault('PYTHONUNBUFFERED', '1')
    sys.exit(main())
