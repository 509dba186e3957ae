#!/usr/bin/python3
"""Reference numbers for ADE20K (SceneParsing, 150 classes) and PASCAL VOC 2012
(21 classes) on the project's committed synthetic fixture, in two formulations:

  * "semseg": hszhao/semseg (the official PSPNet code), util/util.py
    intersectionAndUnion(output, target, K, ignore_index=255) per image, areas summed
    over images, then (tool/test.py / train.py style)
        iou_class      = I / (U + 1e-10)
        accuracy_class = I / (T + 1e-10)
        mIoU = mean(iou_class), mAcc = mean(accuracy_class),
        allAcc = sum(I) / (sum(T) + 1e-10)
    (classes absent from both GT and prediction count as 0 in the mean.)
  * "mmseg": mmsegmentation's total_area_to_metrics on the same summed areas
        IoU = I / U (NaN where U == 0), Acc = I / T (NaN where T == 0),
        mIoU = nanmean(IoU), mAcc = nanmean(Acc), aAcc = sum(I) / sum(T)

This is our own numpy re-implementation of those formulas (no third-party code is
copied here); semseg's intersectionAndUnion is followed step by step, including
np.histogram(..., bins=np.arange(K + 1)).

Label conventions:
  ADE20K  target     = annotation - 1, with annotation 0 ("other") -> 255 (ignored),
                       i.e. semseg / mmseg reduce_zero_label;
          prediction = prediction PNG - 1 (same 0..150 value space as the annotation;
                       a predicted 0 becomes 255 and is never counted as any class,
                       so it only adds to T/U of the true class); K = 150.
  VOC     target     = palette index of SegmentationClass PNG (255 = border, ignored);
          prediction = palette index; K = 21. Images from ImageSets/Segmentation/val.txt.
PNGs are read with np.array(PIL.Image.open(p)); palette PNGs (mode 'P') thus give indices.

Regenerate (from the repository root, with Debian's numpy + PIL):

    apt-get install -y python3-numpy python3-pil
    /usr/bin/python3 notebooks/reference/semseg_reference.py \
        --fixtures src/test/resources/fixtures/synth \
        --output-dir src/test/resources/fixtures/reference

which writes ade20k-semseg.json and voc2012-semseg.json into --output-dir.
"""

import argparse
import glob
import json
import math
import os
import sys

import numpy as np
from PIL import Image

IGNORE = 255


def intersection_and_union(output, target, K, ignore_index=IGNORE):
    """semseg util.intersectionAndUnion, numpy version (same steps)."""
    assert output.ndim in (1, 2, 3)
    assert output.shape == target.shape
    output = output.reshape(output.size).copy()
    target = target.reshape(target.size)
    output[np.where(target == ignore_index)[0]] = ignore_index
    intersection = output[np.where(output == target)[0]]
    area_intersection, _ = np.histogram(intersection, bins=np.arange(K + 1))
    area_output, _ = np.histogram(output, bins=np.arange(K + 1))
    area_target, _ = np.histogram(target, bins=np.arange(K + 1))
    area_union = area_output + area_target - area_intersection
    return area_intersection, area_union, area_target


def read_png(path, expect_mode=None):
    img = Image.open(path)
    if expect_mode is not None and img.mode != expect_mode:
        sys.exit("%s: expected PIL mode %s, got %s" % (path, expect_mode, img.mode))
    return img.mode, np.array(img)


def _f(x):
    x = float(x)
    return None if math.isnan(x) else x


def metrics(I, U, T):
    I = I.astype(np.float64)
    U = U.astype(np.float64)
    T = T.astype(np.float64)
    # semseg
    iou_class = I / (U + 1e-10)
    accuracy_class = I / (T + 1e-10)
    semseg = {
        "iou_class": [_f(v) for v in iou_class],
        "accuracy_class": [_f(v) for v in accuracy_class],
        "mIoU": _f(np.mean(iou_class)),
        "mAcc": _f(np.mean(accuracy_class)),
        "allAcc": _f(np.sum(I) / (np.sum(T) + 1e-10)),
    }
    # mmseg
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = I / U
        acc = I / T
    mmseg = {
        "IoU": [_f(v) for v in iou],
        "Acc": [_f(v) for v in acc],
        "mIoU": _f(np.nanmean(iou)),
        "mAcc": _f(np.nanmean(acc)),
        "aAcc": _f(np.sum(I) / np.sum(T)),
    }
    return semseg, mmseg


def evaluate(pairs, K, to_target, to_output, mode):
    I = np.zeros(K, dtype=np.int64)
    U = np.zeros(K, dtype=np.int64)
    T = np.zeros(K, dtype=np.int64)
    per_image = []
    for name, gt_path, pred_path in pairs:
        _, gt = read_png(gt_path, mode)
        _, pred = read_png(pred_path, mode)
        if gt.shape != pred.shape:
            sys.exit("%s: shape %s vs prediction %s" % (name, gt.shape, pred.shape))
        target = to_target(gt)
        output = to_output(pred)
        i, u, t = intersection_and_union(output, target, K, IGNORE)
        I += i
        U += u
        T += t
        per_image.append({
            "image": name,
            "pixels": int(gt.size),
            "ignoredTargetPixels": int(np.count_nonzero(target == IGNORE)),
            "predictionValuesOutOfRange": int(np.count_nonzero((output >= K) & (output != IGNORE))),
            "predictionIgnoreValuePixels": int(np.count_nonzero(output == IGNORE)),
        })
    return I, U, T, per_image


def ade20k(fixtures):
    ann_dir = os.path.join(fixtures, "ade20k", "ADEChallengeData2016", "annotations", "validation")
    pred_dir = os.path.join(fixtures, "ade20k-predictions")
    gts = sorted(glob.glob(os.path.join(ann_dir, "*.png")))
    pairs = []
    for gt in gts:
        name = os.path.splitext(os.path.basename(gt))[0]
        pairs.append((name, gt, os.path.join(pred_dir, name + ".png")))

    def to_target(a):  # reduce_zero_label: 0 -> 255, k -> k-1
        t = a.astype(np.int64) - 1
        t[a == 0] = IGNORE
        return t

    def to_output(p):  # prediction PNG in the same 0..150 space; 0 -> 255 (never a class)
        o = p.astype(np.int64) - 1
        o[p == 0] = IGNORE
        return o

    pred_zero = sum(int(np.count_nonzero(read_png(p)[1] == 0)) for _, _, p in pairs)
    I, U, T, per_image = evaluate(pairs, 150, to_target, to_output, None)
    return {
        "dataset": "ade20k",
        "K": 150,
        "ignoreIndex": IGNORE,
        "conventions": {
            "target": "annotation - 1; annotation 0 (other) -> 255 ignored (reduce_zero_label)",
            "prediction": "prediction PNG - 1; prediction 0 -> 255 (never counted as a class)",
            "predictionPixelsEqualToZero": pred_zero,
        },
        "images": [n for n, _, _ in pairs],
        "perImage": per_image,
    }, I, U, T


def voc2012(fixtures):
    root = os.path.join(fixtures, "voc2012", "VOC2012")
    pred_dir = os.path.join(fixtures, "voc2012-predictions")
    with open(os.path.join(root, "ImageSets", "Segmentation", "val.txt")) as f:
        ids = [line.strip() for line in f if line.strip()]
    pairs = [(i, os.path.join(root, "SegmentationClass", i + ".png"), os.path.join(pred_dir, i + ".png"))
             for i in ids]

    def ident(a):
        return a.astype(np.int64)

    I, U, T, per_image = evaluate(pairs, 21, ident, ident, "P")
    return {
        "dataset": "voc2012",
        "K": 21,
        "ignoreIndex": IGNORE,
        "conventions": {
            "target": "palette index of SegmentationClass PNG (mode P); 255 = border, ignored",
            "prediction": "palette index of prediction PNG (mode P)",
        },
        "images": [n for n, _, _ in pairs],
        "perImage": per_image,
    }, I, U, T


def write(path, header, I, U, T):
    semseg, mmseg = metrics(I, U, T)
    out = dict(header)
    out["source"] = {
        "semseg": "hszhao/semseg util/util.py intersectionAndUnion (numpy), summed over images; "
                  "iou = I/(U+1e-10), acc = I/(T+1e-10), allAcc = sum(I)/(sum(T)+1e-10)",
        "mmseg": "mmsegmentation total_area_to_metrics: IoU = I/U, Acc = I/T (NaN on 0/0), "
                 "nanmean; aAcc = sum(I)/sum(T)",
        "numpy": np.__version__,
    }
    out["areaIntersection"] = [int(v) for v in I]
    out["areaUnion"] = [int(v) for v in U]
    out["areaTarget"] = [int(v) for v in T]
    out["semseg"] = semseg
    out["mmseg"] = mmseg
    with open(path, "w") as f:
        json.dump(out, f, indent=2, allow_nan=False)
        f.write("\n")
    print("%s: semseg mIoU %r mAcc %r allAcc %r | mmseg mIoU %r mAcc %r aAcc %r" % (
        os.path.basename(path), semseg["mIoU"], semseg["mAcc"], semseg["allAcc"],
        mmseg["mIoU"], mmseg["mAcc"], mmseg["aAcc"]))


def main():
    parser = argparse.ArgumentParser(description="semseg / mmseg reference metrics for ADE20K and VOC")
    parser.add_argument("--fixtures", required=True, help="fixture root (contains ade20k/, voc2012/, ...)")
    parser.add_argument("--output-dir", required=True)
    opts = parser.parse_args()
    os.makedirs(opts.output_dir, exist_ok=True)

    header, I, U, T = ade20k(opts.fixtures)
    write(os.path.join(opts.output_dir, "ade20k-semseg.json"), header, I, U, T)
    header, I, U, T = voc2012(opts.fixtures)
    write(os.path.join(opts.output_dir, "voc2012-semseg.json"), header, I, U, T)


if __name__ == "__main__":
    main()
