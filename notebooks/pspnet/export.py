"""Build a PSPNet (official semseg layout, see pspnet.py), optionally load an official semseg
checkpoint, and export it as a size-generic traced TorchScript file for the segeval tool.

The exported module: input N x 3 x H x W float32, RGB normalised as semseg test.py
((x - [0.485, 0.456, 0.406] * 255) / ([0.229, 0.224, 0.225] * 255), x in 0..255), output
N x classes x H x W logits (bilinear align_corners=True upsampling inside). It is traced once
on a 1 x 3 x size input and then checked against the eager model on a *different* batch and
size (default 2 x 3 x 97 x 161), which proves that the trace is not tied to the sample size.
The aux head is never exported (it is dropped from the checkpoint; only used in training).

Convert an official checkpoint (semseg exp/<dataset>/<model>/model/train_epoch_*.pth):
    /usr/bin/python3 notebooks/pspnet/export.py --layers 50 --classes 150 \
        --weights exp/ade20k/pspnet50/model/train_epoch_100.pth --output pspnet50_ade20k.pt --size 473
    /usr/bin/python3 notebooks/pspnet/export.py --layers 101 --classes 21 \
        --weights exp/voc2012/pspnet101/model/train_epoch_50.pth --output pspnet101_voc2012.pt --size 473
    /usr/bin/python3 notebooks/pspnet/export.py --layers 50 --classes 19 \
        --weights exp/cityscapes/pspnet50/model/train_epoch_200.pth --output pspnet50_cityscapes.pt --size 713

Random-init smoke export (no checkpoint; deterministic from the seed):
    /usr/bin/python3 notebooks/pspnet/export.py --layers tiny --classes 19 --weights none \
        --random-init 0 --output /tmp/tiny-random.pt --size 129 257
"""
import argparse
import hashlib
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pspnet  # noqa: E402


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def trace_and_check(model, size, check_shape=(2, 3, 97, 161), output=None, seed=0, atol=1e-4):
    """Trace model (eval) on 1 x 3 x size, compare with eager on check_shape, save to output."""
    model = model.eval()
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn(1, 3, size[0], size[1], generator=g)
    check = torch.randn(*check_shape, generator=g)
    with torch.no_grad():
        traced = torch.jit.trace(model, sample, check_trace=False)
        for name, x in (('sample %s' % (tuple(sample.shape),), sample), ('check %s' % (tuple(check.shape),), check)):
            ref, got = model(x), traced(x)
            if ref.shape != got.shape:
                raise SystemExit('traced output shape %s != eager %s on %s' % (tuple(got.shape), tuple(ref.shape), name))
            if ref.shape[2:] != x.shape[2:]:
                raise SystemExit('output %s is not at input resolution %s' % (tuple(ref.shape), tuple(x.shape)))
            diff = (ref - got).abs().max().item()
            print('traced vs eager on %s: output %s, max |diff| %.3g' % (name, tuple(got.shape), diff))
            if diff > atol:
                raise SystemExit('traced module disagrees with eager model (%.3g > %.3g)' % (diff, atol))
    if output:
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        traced.save(output)
        reloaded = torch.jit.load(output, map_location='cpu')
        with torch.no_grad():
            diff = (reloaded(check) - model(check)).abs().max().item()
        print('saved %s (%d bytes); reloaded vs eager max |diff| %.3g' % (output, os.path.getsize(output), diff))
        if diff > atol:
            raise SystemExit('reloaded module disagrees with eager model')
    return traced


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--layers', default='50', choices=['50', '101', '152', 'tiny'])
    ap.add_argument('--classes', type=int, required=True)
    ap.add_argument('--weights', default='none', help="official semseg .pth (or a plain state dict), or 'none'")
    ap.add_argument('--random-init', type=int, default=0, metavar='SEED', help='torch seed for the initialisation')
    ap.add_argument('--size', type=int, nargs='+', default=[473],
                    help='trace sample H [W] (e.g. 473, 713, or 129 257); any size works, (H-1)%%8==0 as semseg')
    ap.add_argument('--check-shape', type=int, nargs=4, default=[2, 3, 97, 161])
    ap.add_argument('--output', required=True)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    size = (a.size[0], a.size[-1])
    torch.manual_seed(a.random_init)
    model = pspnet.build_model(a.layers, a.classes, aux=False)
    if a.weights != 'none':
        info = pspnet.load_official_checkpoint(model, a.weights)
        print('loaded %s strictly: %s' % (a.weights, json.dumps(info)))
    else:
        print('no weights: random initialisation with seed %d' % a.random_init)
    print('PSPNet-%s, %d classes, %d parameters, %d state-dict keys (no aux)' % (
        a.layers, a.classes, pspnet.count_parameters(model), len(model.state_dict())))
    t0 = time.time()
    trace_and_check(model, size, tuple(a.check_shape), a.output)
    print('sha256 %s (%.1f s)' % (sha256(a.output), time.time() - t0))


if __name__ == '__main__':
    main()
