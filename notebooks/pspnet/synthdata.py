"""Reading the project's synthetic Cityscapes data (as written by `jobs/segeval.sh synth
--dataset cityscapes`): <root>/cityscapes/leftImg8bit/<split>/<city>/*_leftImg8bit.png (RGB) and
<root>/cityscapes/gtFine/<split>/<city>/*_gtFine_labelIds.png (Cityscapes label ids), mapped to
train ids 0..18 (255 = ignore) with the table src/main/resources/labels/cityscapes.csv.

Library module (no command line).
"""
import csv
import glob
import os

import numpy as np
from PIL import Image

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
LABELS_CSV = os.path.join(REPO, 'src', 'main', 'resources', 'labels', 'cityscapes.csv')


def label_table(path=LABELS_CSV):
    """(lut: 256 -> train id with 255 for ignore, class names ordered by train id)."""
    lut = np.full(256, 255, dtype=np.uint8)
    names = {}
    with open(path, newline='') as f:
        for row in csv.DictReader(f):
            lid, tid = int(row['id']), int(row['trainId'])
            if 0 <= lid < 256 and 0 <= tid < 255:
                lut[lid] = tid
                names[tid] = row['name']
    classes = [names[i] for i in range(len(names))]
    return lut, classes


def list_pairs(root, split):
    """Sorted [(image path, labelIds path)] of a synthetic Cityscapes split."""
    images = sorted(glob.glob(os.path.join(root, 'cityscapes', 'leftImg8bit', split, '*', '*_leftImg8bit.png')))
    if not images:
        raise SystemExit('no images under %s/cityscapes/leftImg8bit/%s/ (run jobs/segeval.sh synth first)' % (root, split))
    pairs = []
    for p in images:
        city = os.path.basename(os.path.dirname(p))
        stem = os.path.basename(p)[:-len('_leftImg8bit.png')]
        g = os.path.join(root, 'cityscapes', 'gtFine', split, city, stem + '_gtFine_labelIds.png')
        if not os.path.exists(g):
            raise SystemExit('missing ground truth %s' % g)
        pairs.append((p, g))
    return pairs


def load_split(root, split):
    """Lists of (H x W x 3 uint8 RGB, H x W uint8 train ids) and the image paths."""
    lut, _ = label_table()
    images, labels, paths = [], [], []
    for p, g in list_pairs(root, split):
        images.append(np.array(Image.open(p).convert('RGB')))
        labels.append(lut[np.array(Image.open(g))])
        paths.append(p)
    return images, labels, paths
