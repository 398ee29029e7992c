"""Write eq. 3 targets that keep the patient's anatomy: every "Lung
Opacity" training patient's aligned image with, in its lesion boxes, the
low-frequency brightness its surroundings do not explain taken out
(mmgranet.pseudo.remove_opacity; --sigma 0: the whole box filled from its
surroundings, inpaint_boxes). Beyond the paper, whose target is
G_realistic(I_b(x)) with another patient's pixels in the boxes. Same
layout as tools/stages/make_realistic_targets.py, so an Abn2Nor config takes it
as train_dataloader.dataset.target_root.
Resumable (finished images are skipped), atomic writes.
"""
import argparse
import json
import os
import os.path as osp

from tqdm import tqdm

from mmgranet.fileio import (read_dicom, read_rsna_labels, read_split_file,
                             write_dicom)
from mmgranet.pseudo import inpaint_boxes, remove_opacity


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('aligned_root', help="the setting's aligned copy")
    parser.add_argument('--split-file', required=True,
                        help="the setting's training patients")
    parser.add_argument('--out', required=True)
    parser.add_argument('--sigma', type=float, default=4.0,
                        help='low-pass scale of the removed brightness (px);'
                        ' 0: fill the whole box')
    parser.add_argument('--margin', type=int, default=0,
                        help='pixels the boxes grow by')
    parser.add_argument('--radius', type=float, default=5.0)
    args = parser.parse_args()
    labels = read_rsna_labels(osp.join(args.aligned_root,
                                       'stage_2_train_labels.csv'))
    train = read_split_file(args.split_file)
    unknown = [p for p in train if p not in labels]
    if unknown:
        raise SystemExit(f'{args.split_file}: {len(unknown)} patients not '
                         f'in {args.aligned_root}, e.g. {unknown[:3]}')
    todo = [p for p in train if len(labels[p])]
    dst = osp.join(args.out, 'stage_2_train_images')
    os.makedirs(dst, exist_ok=True)
    written = 0
    for pid in tqdm(todo, desc='inpainted targets'):
        path = osp.join(dst, f'{pid}.dcm')
        if osp.exists(path):
            continue
        image = read_dicom(osp.join(args.aligned_root,
                                    'stage_2_train_images', f'{pid}.dcm'))
        target = remove_opacity(image, labels[pid], args.sigma, args.margin,
                                args.radius) if args.sigma > 0 else \
            inpaint_boxes(image, labels[pid], args.margin, args.radius)
        write_dicom(path, target, pid, jpeg=False)
        written += 1
    print(json.dumps(dict(images=len(todo), written=written)))


if __name__ == '__main__':
    main()
