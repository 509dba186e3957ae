"""Score a TorchScript segmentation model on the project's synthetic Cityscapes val set with
the semseg test protocol of protocol.py (default: single scale 1.0, whole image, no flip:
base size = long side, crop = smallest (8k+1) x (8k+1) window that holds the image, so the
image is only padded, never tiled).

Data (exactly what jobs/demo.sh synthesises):
    cd /work/main && jobs/segeval.sh synth --dataset cityscapes --output /tmp/synth-val \
        --images 24 --width 512 --height 256 --seed 7 --split val

Command that measured the demo model's score (run from the repository root):
    /usr/bin/python3 notebooks/pspnet/evaluate_synth.py \
        --model notebooks/models/pspnet-tiny-synth-cityscapes.pt --data /tmp/synth-val --split val

mIoU = mean over classes with union > 0 of TP / (TP + FP + FN), pixels summed over the whole
set, ignore label 255 excluded (Cityscapes convention). Also printed: semseg's convention
(mean over all 19 classes of I / (U + 1e-10), absent classes count 0) and pixel accuracy.
Deterministic (no randomness).
"""
import argparse
import json
import sys
import os
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protocol  # noqa: E402
import synthdata  # noqa: E402


def whole_image_crop(h, w):
    return (8 * ((h - 1 + 7) // 8) + 1, 8 * ((w - 1 + 7) // 8) + 1)


def evaluate(model, images, labels, classes=19, scales=(1.0,), flip='none', crop=None):
    conf = np.zeros((classes, classes), dtype=np.int64)
    for img, gt in zip(images, labels):
        c = crop or whole_image_crop(*img.shape[:2])
        pred, _, _ = protocol.predict(model, img, classes, None, c, scales, flip)
        conf += protocol.confusion(pred, gt, classes)
    m, iou = protocol.miou(conf)
    tp = np.diag(conf).astype(np.float64)
    union = conf.sum(0) + conf.sum(1) - tp
    semseg_miou = float(np.mean(tp / (union + 1e-10)))
    return {'mIoU': m, 'mIoU_semseg_all19': semseg_miou,
            'pixel_accuracy': float(tp.sum() / max(conf.sum(), 1)),
            'per_class_iou': [None if np.isnan(x) else round(float(x), 4) for x in iou],
            'classes_present': int(np.sum(union > 0))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True, help='TorchScript file')
    ap.add_argument('--data', default='/tmp/synth-val')
    ap.add_argument('--split', default='val')
    ap.add_argument('--classes', type=int, default=19)
    ap.add_argument('--scales', type=float, nargs='+', default=[1.0])
    ap.add_argument('--flip', choices=protocol.FLIP_MODES, default='none')
    ap.add_argument('--crop', type=int, nargs=2, default=None, help='default: whole image')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = torch.jit.load(a.model, map_location='cpu').eval()
    images, labels, _ = synthdata.load_split(a.data, a.split)
    t0 = time.time()
    r = evaluate(model, images, labels, a.classes, tuple(a.scales), a.flip, tuple(a.crop) if a.crop else None)
    r['images'] = len(images)
    r['seconds'] = round(time.time() - t0, 1)
    _, names = synthdata.label_table()
    print(json.dumps(r, indent=1))
    print('mIoU %.4f over %d classes (semseg all-19 convention %.4f), pixel accuracy %.4f' % (
        r['mIoU'], r['classes_present'], r['mIoU_semseg_all19'], r['pixel_accuracy']))
    for n, v in zip(names, r['per_class_iou']):
        print('  %-14s %s' % (n, '-' if v is None else '%.4f' % v))


if __name__ == '__main__':
    main()
