#!/usr/bin/python3
"""The plain PyTorch test loop the project is measured against, in the style of semseg's tool/test.py: one image
at a time, scale by scale, net_process per sliding window with the flipped copy in the same batch (protocol.py
holds the protocol, checked against semseg's). Writes each prediction as an ADE20K label-id PNG (train id + 1)
so that the benchmark can compare it with the project's, and prints one JSON line with the timings.

    /usr/bin/python3 notebooks/bench/semseg_loop.py --model m.pt --images <dir of .png/.jpg> --out <dir> \
        --classes 150 --crop 473 473 --base-size 512 --scales 1.0 --flip semseg --threads 2

Debian's python3-torch 1.13, python3-numpy and python3-pil only.
"""
import argparse
import glob
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pspnet'))
import protocol  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True)
    ap.add_argument('--images', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--classes', type=int, required=True)
    ap.add_argument('--crop', type=int, nargs=2, default=(473, 473))
    ap.add_argument('--base-size', type=int, default=512)
    ap.add_argument('--scales', type=float, nargs='+', default=[1.0])
    ap.add_argument('--flip', choices=protocol.FLIP_MODES, default='semseg')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t_load = time.perf_counter()
    model = torch.jit.load(a.model, map_location='cpu').eval()
    load_seconds = time.perf_counter() - t_load
    files = sorted(glob.glob(os.path.join(a.images, '*.png')) + glob.glob(os.path.join(a.images, '*.jpg')))
    if not files:
        raise SystemExit('no .png or .jpg images in %s' % a.images)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.perf_counter()
    for f in files:
        image = np.array(Image.open(f).convert('RGB'))
        labels, _, _ = protocol.predict(model, image, a.classes, a.base_size, tuple(a.crop), tuple(a.scales), a.flip)
        name = os.path.splitext(os.path.basename(f))[0] + '.png'
        Image.fromarray((labels + 1).astype(np.uint8)).save(os.path.join(a.out, name))
    loop = time.perf_counter() - t0
    print(json.dumps({'images': len(files), 'loop_seconds': round(loop, 2), 'load_seconds': round(load_seconds, 2),
                      'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      'torch': torch.__version__, 'threads': a.threads}))


if __name__ == '__main__':
    main()
