"""Generate mini-RSNA, a synthetic dataset in the exact Kaggle RSNA layout.

Chest-radiograph-like phantoms (body, lungs, ribs, heart, spine,
diaphragm, noise) in a random pose; "Lung Opacity" patients with 1-4
lesions and their boxes, "No Lung Opacity / Not Normal" patients with an
enlarged heart or a line; JPEG-baseline DICOMs with PatientAge, PatientSex
and ViewPosition. Also writes what real data lacks: each abnormal patient's
normal twin, every image's true pose, the test images' labels, and a
contact sheet. Deterministic for a seed.
"""
import argparse
import json
import time

from mmgranet.datasets.synthetic import make_mini_rsna


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--num-patients', type=int, default=300,
                        help='training patients (with labels)')
    parser.add_argument('--num-test', type=int, default=None,
                        help='test patients (default 10%% of the above)')
    parser.add_argument('--size', type=int, default=256,
                        help='image side in pixels (RSNA: 1024)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--overwrite', action='store_true',
                        help='replace a mini-RSNA made with other arguments')
    args = parser.parse_args()
    start = time.time()
    info = make_mini_rsna(args.out, num_patients=args.num_patients,
                          size=args.size, seed=args.seed,
                          num_test=args.num_test, overwrite=args.overwrite)
    print(json.dumps(info['classes']))
    print(f'mini-RSNA in {args.out} ({time.time() - start:.1f} s)')


if __name__ == '__main__':
    main()
