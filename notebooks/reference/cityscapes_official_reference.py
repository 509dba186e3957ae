#!/usr/bin/python3
"""Reference numbers for Cityscapes pixel-level semantic labeling, computed by the
OFFICIAL cityscapesScripts evaluation (evalPixelLevelSemanticLabeling.py) on the
project's committed synthetic fixture.

This file is our own driver. It does not contain any cityscapesScripts code; it
imports the official module from a separate checkout given by --cityscapes-scripts
(see notebooks/reference/README.md for how to assemble that checkout, including the
labels.py from commit aed41b9bdd89f77ddeca50d2954508c929a2d2a4).

Regenerate (from the repository root, with Debian's numpy + PIL):

    apt-get install -y python3-numpy python3-pil
    /usr/bin/python3 notebooks/reference/cityscapes_official_reference.py \
        --cityscapes-scripts /tmp/csscripts \
        --gt-root src/test/resources/fixtures/synth/cityscapes \
        --predictions src/test/resources/fixtures/synth/cityscapes-predictions \
        --output src/test/resources/fixtures/reference/cityscapes-official.json

What it does:
  * imports cityscapesscripts.evaluation.evalPixelLevelSemanticLabeling and sets the
    module-global ``args`` the way the official main() leaves them
    (evalInstLevelScore=True, evalPixelAccuracy=False), but quiet, uncoloured, and with
    the official JSON export redirected to a throw-away temp dir;
  * collects the ground-truth *_gtFine_labelIds.png files (sorted) and finds each
    prediction with the official getPrediction() (recursive walk + the
    "<city>_<seq>_<frame>*.png" fnmatch rule, error on 0 or >1 matches);
  * calls the official evaluateImgLists() for the scores, and additionally replays the
    official evaluatePair() per image into a fresh matrix / instance-stats dict (the
    official entry point does not return the instance stats), checking that both
    paths give the identical confusion matrix and scores;
  * writes strict JSON (NaN -> null).
"""

import argparse
import glob
import json
import math
import os
import sys
import tempfile


def _nan_to_none(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _load_official(scripts_root):
    scripts_root = os.path.abspath(scripts_root)
    if not os.path.isdir(os.path.join(scripts_root, "cityscapesscripts")):
        sys.exit("no cityscapesscripts package under %s" % scripts_root)
    sys.path.insert(0, scripts_root)
    import cityscapesscripts.evaluation.evalPixelLevelSemanticLabeling as official
    from cityscapesscripts.helpers import labels as official_labels
    return official, official_labels


def _check_genuine_label_table(official_labels):
    """Refuse to run against a modified labels table (e.g. a fork with lane labels)."""
    labels = official_labels.labels
    ids = sorted(l.id for l in labels)
    with_instances = sorted(l.id for l in labels if l.hasInstances)
    evaluated = sorted(l.id for l in labels if not l.ignoreInEval)
    problems = []
    if ids != [-1] + list(range(0, 34)):
        problems.append("label ids are %s, expected -1 and 0..33" % ids)
    if with_instances != list(range(24, 34)):
        problems.append("hasInstances ids are %s, expected 24..33" % with_instances)
    if evaluated != [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33]:
        problems.append("evaluated ids are %s" % evaluated)
    if problems:
        sys.exit("labels.py is not the genuine Cityscapes table:\n  " + "\n  ".join(problems))


def _configure_args(official, gt_root, predictions, export_dir):
    a = official.args
    # as in the official module defaults / main()
    a.evalInstLevelScore = True
    a.evalPixelAccuracy = False
    a.evalLabels = []
    a.normalized = True
    # no JSON of our interest from the official code, no plots, no console tables
    a.JSONOutput = False
    a.quiet = True
    a.colorized = False
    a.bold = ""
    a.nocol = ""
    # where the official code looks for data
    a.cityscapesPath = gt_root
    a.groundTruthSearch = os.path.join(gt_root, "gtFine", "val", "*", "*_gtFine_labelIds.png")
    a.predictionPath = predictions
    a.predictionWalk = None
    # evaluateImgLists() always calls writeJSONFile(); send it to a temp dir
    a.exportFile = os.path.join(export_dir, "resultPixelLevelSemanticLabeling.json")
    return a


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cityscapes-scripts", required=True,
                        help="directory containing the cityscapesscripts package")
    parser.add_argument("--gt-root", required=True,
                        help="Cityscapes root containing gtFine/val/<city>/...")
    parser.add_argument("--predictions", required=True,
                        help="prediction root (label-id PNGs, searched recursively)")
    parser.add_argument("--output", required=True, help="JSON file to write")
    opts = parser.parse_args()

    gt_root = os.path.abspath(opts.gt_root)
    predictions = os.path.abspath(opts.predictions)

    official, official_labels = _load_official(opts.cityscapes_scripts)
    _check_genuine_label_table(official_labels)
    np = official.np
    id2label = official.id2label
    category2labels = official.category2labels

    with tempfile.TemporaryDirectory() as export_dir:
        a = _configure_args(official, gt_root, predictions, export_dir)

        gt_files = sorted(glob.glob(a.groundTruthSearch))
        if not gt_files:
            sys.exit("no ground truth found with %s" % a.groundTruthSearch)
        pred_files = [official.getPrediction(a, gt) for gt in gt_files]

        # 1) the official end-to-end entry point
        result = official.evaluateImgLists(pred_files, gt_files, a)

        # 2) replay per image to obtain the instance statistics
        conf = official.generateMatrix(a)
        inst = official.generateInstanceStats(a)
        per_image = {}
        nb_pixels = 0
        for pred, gt in zip(pred_files, gt_files):
            nb_pixels += official.evaluatePair(pred, gt, conf, inst, per_image, a)
        if int(conf.sum()) != nb_pixels:
            sys.exit("confusion matrix sum %d != pixel count %d" % (int(conf.sum()), nb_pixels))
        if conf.tolist() != result["confMatrix"]:
            sys.exit("replayed confusion matrix differs from evaluateImgLists()")

    evaluated_ids = [l for l in a.evalLabels if not id2label[l].ignoreInEval]
    class_iou, class_iiou = {}, {}
    for label_id in evaluated_ids:
        name = id2label[label_id].name
        iou = official.getIouScoreForLabel(label_id, conf, a)
        iiou = official.getInstanceIouScoreForLabel(label_id, conf, inst, a)
        for mine, theirs in ((iou, result["classScores"][name]), (iiou, result["classInstScores"][name])):
            if not (mine == theirs or (math.isnan(mine) and math.isnan(theirs))):
                sys.exit("score mismatch for %s: %r vs %r" % (name, mine, theirs))
        class_iou[name] = _nan_to_none(iou)
        class_iiou[name] = _nan_to_none(iiou)

    category_iou = {c: _nan_to_none(result["categoryScores"][c]) for c in category2labels}
    category_iiou = {c: _nan_to_none(result["categoryInstScores"][c]) for c in category2labels}

    def stats(d):
        return {
            "tp": int(d["tp"]),
            "fn": int(d["fn"]),
            "tpWeighted": float(d["tpWeighted"]),
            "fnWeighted": float(d["fnWeighted"]),
        }

    instance_classes = {name: stats(d) for name, d in inst["classes"].items()}
    instance_categories = {}
    for cat, d in inst["categories"].items():
        s = stats(d)
        s["labelIds"] = list(d["labelIds"])
        instance_categories[cat] = s

    rel = lambda p, root: os.path.relpath(p, root).replace(os.sep, "/")
    out = {
        "source": {
            "implementation": "cityscapesScripts evaluation/evalPixelLevelSemanticLabeling.py "
                              "(pure-python confusion path, CSUPPORT=%s)" % official.CSUPPORT,
            "labelsTable": "mcordts/cityscapesScripts scripts/helpers/labels.py @ "
                           "aed41b9bdd89f77ddeca50d2954508c929a2d2a4",
            "numpy": np.__version__,
            "evalInstLevelScore": a.evalInstLevelScore,
            "evalPixelAccuracy": a.evalPixelAccuracy,
            "avgClassSize": dict(a.avgClassSize),
        },
        "groundTruth": [rel(p, gt_root) for p in gt_files],
        "predictions": [rel(p, predictions) for p in pred_files],
        "nbPixels": nb_pixels,
        "evaluatedClassIds": {id2label[l].name: l for l in evaluated_ids},
        "classIoU": class_iou,
        "classIIoU": class_iiou,
        "averageScoreClasses": _nan_to_none(result["averageScoreClasses"]),
        "averageScoreInstClasses": _nan_to_none(result["averageScoreInstClasses"]),
        "categoryIoU": category_iou,
        "categoryIIoU": category_iiou,
        "averageScoreCategories": _nan_to_none(result["averageScoreCategories"]),
        "averageScoreInstCategories": _nan_to_none(result["averageScoreInstCategories"]),
        "confusionMatrix": [[int(v) for v in row] for row in conf.tolist()],
        "instanceStats": {
            "classes": instance_classes,
            "categories": instance_categories,
        },
    }

    out_dir = os.path.dirname(os.path.abspath(opts.output))
    os.makedirs(out_dir, exist_ok=True)
    with open(opts.output, "w") as f:
        json.dump(out, f, indent=2, allow_nan=False)
        f.write("\n")

    print("averageScoreClasses        %r" % out["averageScoreClasses"])
    print("averageScoreInstClasses    %r" % out["averageScoreInstClasses"])
    print("averageScoreCategories     %r" % out["averageScoreCategories"])
    print("averageScoreInstCategories %r" % out["averageScoreInstCategories"])
    print("wrote %s" % opts.output)


if __name__ == "__main__":
    main()
