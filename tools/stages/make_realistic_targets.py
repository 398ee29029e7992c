"""Run a trained radio-realistic generator (paper eq. 2) over I_b.

Writes G_realistic(I_b(x)) for every image of --input-root (the
pseudo-normal set of tools/stages/make_pseudo_pairs.py) to OUT in RSNA layout
(lossless DICOM, each image's original size): the targets of the Abn2Nor
cGAN (eq. 3). Atomic writes; finished images are skipped on a rerun.
"""
import argparse
import json
import os
import os.path as osp

from tqdm import tqdm

from mmgranet.apis import load_image_generator
from mmgranet.fileio import read_dicom, write_dicom


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the eq. 2 (realistic) config')
    parser.add_argument('checkpoint')
    parser.add_argument('--input-root', required=True,
                        help='RSNA-layout directory of I_b images')
    parser.add_argument('--out', required=True)
    parser.add_argument('--device', help='default: cuda when available')
    parser.add_argument('--batch-size', type=int, default=16)
    args = parser.parse_args()
    generate = load_image_generator(args.config, args.checkpoint,
                                    device=args.device,
                                    batch_size=args.batch_size,
                                    # eq. 3's target is the cGAN's image
                                    full_size='output')
    src = osp.join(args.input_root, 'stage_2_train_images')
    dst = osp.join(args.out, 'stage_2_train_images')
    os.makedirs(dst, exist_ok=True)
    names = sorted(n for n in os.listdir(src) if n.endswith('.dcm'))
    todo = [n for n in names if not osp.exists(osp.join(dst, n))]
    written = 0
    for start in tqdm(range(0, len(todo), args.batch_size),
                      desc='G_realistic(I_b)'):
        batch = todo[start:start + args.batch_size]
        outputs = generate([read_dicom(osp.join(src, n)) for n in batch])
        for name, y in zip(batch, outputs):
            write_dicom(osp.join(dst, name), y, name[:-4], jpeg=False)
            written += 1
    print(json.dumps(dict(images=len(names), written=written)))


if __name__ == '__main__':
    main()
