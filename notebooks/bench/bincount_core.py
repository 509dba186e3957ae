#!/usr/bin/python3
"""NumPy's bincount confusion matrix on the core benchmark's arrays, beside the project's JMH figures.

Run by jobs/bench-core.sh after JMH; reads the arrays that dev.segeval.bench.jmh.CoreBenchData wrote (uint8
train ids, 255 ignored; 19 = a prediction of a label that is not a class) and the JMH result file, checks that
NumPy counts exactly the pixels the project's core counts, and writes the Markdown (and CSV) result.

The formulation is the one of mmsegmentation's and semseg's evaluation code, done in NumPy:
    mask = gt != 255
    np.bincount(K * gt[mask].astype(np.int64) + pred[mask], minlength=K * K)
Debian's python3-numpy only (/usr/bin/python3).
"""
import argparse
import csv
import ctypes
import ctypes.util
import datetime
import json
import os
import platform
import time

import numpy as np

WIDTH, HEIGHT, IMAGES, CLASSES = 2048, 1024, 4, 19
PIXELS = WIDTH * HEIGHT


def bincount_confusion(gt, pred):
    k = CLASSES + 1  # the project keeps non-class predictions as columns; one extra column here
    mask = gt != 255
    hist = np.bincount(k * gt[mask].astype(np.int64) + pred[mask], minlength=CLASSES * k)
    return hist.reshape(CLASSES, k)


def kernel_description():
    """What ran: NumPy's SIMD baseline and dispatch targets, and the BLAS library's core (not used by bincount,
    but OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE change it, which is why the launcher unsets them)."""
    from numpy.core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__
    dispatched = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    blas = "none found"
    name = ctypes.util.find_library("openblas")
    if name:
        lib = ctypes.CDLL(name)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        blas = "%s, core %s" % (lib.openblas_get_config().decode(), lib.openblas_get_corename().decode())
    return ("NumPy %s, SIMD baseline %s, dispatched up to %s; %s; OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s"
            % (np.__version__, "+".join(__cpu_baseline__), dispatched[-1] if dispatched else "none", blas,
               os.environ.get("OPENBLAS_CORETYPE", "(unset)"), os.environ.get("OPENBLAS_L2_SIZE", "(unset)")))


def time_numpy(gts, preds, rounds):
    """Best round over all images, as JMH's per-operation figure is per image: images per second."""
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for g, p in zip(gts, preds):
            bincount_confusion(g, p)
        best = min(best, time.perf_counter() - t)
    return len(gts) / best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--jmh", required=True)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--command", default="jobs/bench-core.sh")
    ap.add_argument("--output", required=True)
    ap.add_argument("--csv", required=True)
    a = ap.parse_args()

    jmh = {}
    for r in json.load(open(a.jmh)):
        kind = r["params"]["images"]
        method = r["benchmark"].rsplit(".", 1)[1]
        jmh[(kind, method)] = (r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"])

    rows = []
    for kind in ("scenes", "noise"):
        gts = np.fromfile(os.path.join(a.data, kind + "-gt.u8"), dtype=np.uint8).reshape(IMAGES, PIXELS)
        preds = np.fromfile(os.path.join(a.data, kind + "-pred.u8"), dtype=np.uint8).reshape(IMAGES, PIXELS)
        java = np.fromfile(os.path.join(a.data, kind + "-confusion.i64"), dtype="<i8").reshape(
            IMAGES, CLASSES, CLASSES + 1)
        for i in range(IMAGES):
            if not np.array_equal(bincount_confusion(gts[i], preds[i]), java[i]):
                raise SystemExit("NumPy and the project's core disagree on %s image %d" % (kind, i))
        numpy_ips = time_numpy(list(gts), list(preds), a.rounds)
        numpy_mpx = numpy_ips * PIXELS / 1e6
        for method, label in (("confusion", "confusion only"),
                              ("confusionAndInstances", "confusion + Cityscapes instances")):
            ops, err = jmh[(kind, method)]
            mpx = ops * PIXELS / 1e6
            rows.append((kind, "project core (JMH), " + label, mpx, err * PIXELS / 1e6, mpx / numpy_mpx))
        rows.append((kind, "NumPy bincount, confusion only", numpy_mpx, float("nan"), 1.0))

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = "%s, %d cores, %s; Java figures from JMH (1 thread, 1 fork)" % (
        platform.machine(), os.cpu_count(), platform.platform())
    lines = [
        "## Pixel-scoring core vs NumPy bincount, %s" % now, "",
        "Command: `%s`  " % a.command,
        "Machine: %s  " % machine,
        "NumPy: %s  " % kernel_description(),
        "Images: %d per kind, %dx%d; `scenes` = synthetic Cityscapes scenes and predictions from the project's "
        "error model, `noise` = the same with 10 %% salt-and-pepper predictions (one-pixel runs). NumPy gets "
        "uint8 train ids (its cheapest input); the project reads label ids and instance ids as decoded. Both "
        "count the same pixels (checked per image). Goal: >= 1500 Mpx/s per core with instances, >= 8x NumPy."
        % (IMAGES, WIDTH, HEIGHT), "",
        "| images | path | Mpixels/s per core | JMH error (99.9 %) | ratio to NumPy |",
        "|---|---|---:|---:|---:|",
    ]
    for kind, path, mpx, err, ratio in rows:
        lines.append("| %s | %s | %.0f | %s | %.1f |" % (kind, path, mpx, "" if err != err else "± %.0f" % err,
                                                         ratio))
    with open(a.output, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(a.csv, "w", newline="") as f:
        out = csv.writer(f)  # quotes the paths, which hold commas
        out.writerow(["date", "images", "path", "mpixels_per_s", "jmh_error", "ratio_to_numpy"])
        for kind, path, mpx, err, ratio in rows:
            out.writerow([now, kind, path, "%.1f" % mpx, "" if err != err else "%.1f" % err, "%.2f" % ratio])
    print("\n".join(lines))


if __name__ == "__main__":
    main()
