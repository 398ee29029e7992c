"""Run a trained radio-realistic generator (paper eq. 2) over I_b.

Writes G_realistic(I_b(x)) for every image of --input-root (the
pseudo-normal set of tools/make_pseudo_pairs.py) to OUT in RSNA layout
(lossless DICOM, each image's original size): the targets of the Abn2Nor
cGAN (eq. 3). Atomic writes; finished images are skipped on a rerun.
"""
import argparse
import json
import os
import os.path as osp

import cv2
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from tqdm import tqdm

from mmgranet.datasets import read_dicom
from mmgranet.datasets.synthetic import write_dicom
from mmgranet.registry import MODELS


@torch.no_grad()
def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the eq. 2 (realistic) config')
    parser.add_argument('checkpoint')
    parser.add_argument('--input-root', required=True,
                        help='RSNA-layout directory of I_b images')
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmgranet'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.eval()
    size = cfg.train_dataloader.dataset.size
    src = osp.join(args.input_root, 'stage_2_train_images')
    dst = osp.join(args.out, 'stage_2_train_images')
    os.makedirs(dst, exist_ok=True)
    names = sorted(n for n in os.listdir(src) if n.endswith('.dcm'))
    written = 0
    for name in tqdm(names, desc='G_realistic(I_b)'):
        out_path = osp.join(dst, name)
        if osp.exists(out_path):
            continue
        img = read_dicom(osp.join(src, name))
        x = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        y = model(torch.from_numpy(x)[None, None], mode='predict')[0, 0]
        y = cv2.resize(y.numpy(), img.shape[::-1],
                       interpolation=cv2.INTER_CUBIC)
        write_dicom(out_path, y, name[:-4], jpeg=False)
        written += 1
    print(json.dumps(dict(images=len(names), written=written)))


if __name__ == '__main__':
    main()
