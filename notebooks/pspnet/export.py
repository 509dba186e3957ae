"""Build a PSPNet (official semseg layout, see pspnet.py), optionally load an official semseg
checkpoint, and export it as a size-generic traced TorchScript file for the segeval tool.

The exported module: input N x 3 x H x W float32, RGB normalised as semseg test.py
((x - [0.485, 0.456, 0.406] * 255) / ([0.229, 0.224, 0.225] * 255), x in 0..255), output
N x classes x H x W logits (bilinear align_corners=True upsampling inside). It is traced once
on a 1 x 3 x size input and then checked against the eager model on a *different* batch and
size (default 2 x 3 x 97 x 161), which proves that the trace is not tied to the sample size.
The aux head is never exported (it is dropped from the checkpoint; only used in training).

With --dataset, a model card is written next to the .pt (pspnet50_ade20k.pt -> pspnet50_ade20k.json):
dataset, classes and their names (from the project's labels table), backbone, input normalisation, the test
protocol semseg publishes for that dataset (config/<dataset>/<dataset>_pspnet*.yaml: ADE20K and VOC base
size 512, crop 473; Cityscapes base size 2048, crop 713; scale 1.0, flip averaged, stride rate 2/3), and the
SHA-256 of the source checkpoint and of the .pt. `segeval evaluate --model` checks the card before any image
is scored (dataset, class count, file hash, normalisation) and takes its protocol as defaults.

Convert an official checkpoint (semseg exp/<dataset>/<model>/model/train_epoch_*.pth):
    /usr/bin/python3 notebooks/pspnet/export.py --layers 50 --dataset ade20k \
        --weights exp/ade20k/pspnet50/model/train_epoch_100.pth --output pspnet50_ade20k.pt
    /usr/bin/python3 notebooks/pspnet/export.py --layers 101 --dataset voc2012 \
        --weights exp/voc2012/pspnet101/model/train_epoch_50.pth --output pspnet101_voc2012.pt
    /usr/bin/python3 notebooks/pspnet/export.py --layers 50 --dataset cityscapes \
        --weights exp/cityscapes/pspnet50/model/train_epoch_200.pth --output pspnet50_cityscapes.pt

An official-format checkpoint with random weights (semseg's key names, 'module.' prefix, aux head, the
{'epoch', 'state_dict', 'optimizer'} layout), for testing this path without the real files:
    /usr/bin/python3 notebooks/pspnet/export.py --layers 50 --dataset ade20k --weights none \
        --write-official-checkpoint /tmp/ade20k-psp50.pth --output /tmp/ade20k-psp50.pt

Reduced precision (segeval evaluate --precision bf16|fp16): --precisions fp32,bf16 (the default) traces the
network a second time under PyTorch's CPU autocast (bfloat16) with the casts baked into the graph, and saves one
TorchScript module whose forward() is the float32 trace and whose forward_bf16() is the bf16 one; both share the
weights, so the file is hardly larger. fp16 (forward_fp16, CUDA autocast) needs a GPU at export time.

Random-init smoke export (no checkpoint; deterministic from the seed):
    /usr/bin/python3 notebooks/pspnet/export.py --layers tiny --classes 19 --weights none \
        --random-init 0 --output /tmp/tiny-random.pt --size 129 257
"""
import argparse
import csv
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


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# semseg's published test settings per dataset (config/<dataset>/<dataset>_pspnet50.yaml, TEST section:
# base_size, test_h/test_w, scales; tool/test.py averages the flipped prediction and uses stride rate 2/3).
SEMSEG_PROTOCOL = {
    'ade20k': {'scales': [1.0], 'flip': 'average', 'crop': [473, 473], 'base_size': 512, 'stride_rate': 2.0 / 3},
    'voc2012': {'scales': [1.0], 'flip': 'average', 'crop': [473, 473], 'base_size': 512, 'stride_rate': 2.0 / 3},
    'cityscapes': {'scales': [1.0], 'flip': 'average', 'crop': [713, 713], 'base_size': 2048,
                   'stride_rate': 2.0 / 3},
}
# semseg tool/test.py: value_scale 255, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225], RGB.
MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]


def train_classes(dataset):
    """Class names in train-id order, from the project's labels table (the single source of truth)."""
    path = os.path.join(REPO, 'src', 'main', 'resources', 'labels', dataset + '.csv')
    names = {}
    with open(path, newline='') as f:
        for row in csv.DictReader(f):
            tid = int(row['trainId'])
            if tid != 255 and row['ignoreInEval'] != 'true' and tid not in names:
                names[tid] = row['name']
    return [names[i] for i in range(len(names))]


def write_official_checkpoint(model, path, epoch=1):
    """Saves model's state dict the way semseg's train.py does: DataParallel's 'module.' prefix, the aux head
    included, inside {'epoch', 'state_dict', 'optimizer'}."""
    state = {'module.' + k: v for k, v in model.state_dict().items()}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save({'epoch': epoch, 'state_dict': state, 'optimizer': {'state': {}, 'param_groups': []}}, path)
    print('wrote official-format checkpoint %s (%d keys, %d bytes)' % (path, len(state), os.path.getsize(path)))


def card_path(output):
    return (output[:-3] if output.endswith('.pt') else output) + '.json'


def write_card(a, classes, model_params, source_sha, seconds):
    names = train_classes(a.dataset)
    card = {
        'model': os.path.basename(a.output),
        'dataset': a.dataset,
        'classes': classes,
        'class_names': names,
        'backbone': 'tiny' if a.layers == 'tiny' else 'ResNet-%s' % a.layers,
        'architecture': 'PSPNet (hszhao/semseg module names, notebooks/pspnet/pspnet.py), no aux head',
        'format': 'TorchScript (torch.jit.trace, size-generic), saved by PyTorch %s' % torch.__version__,
        'precisions': a.precisions_list,
        'input': 'float32 N x 3 x H x W, RGB, any H and W',
        'output': 'float32 N x %d x H x W logits (same H, W as the input)' % classes,
        'normalisation': {'description': '(x - mean) / std per channel, x = RGB value 0..255 (semseg tool/test.py)',
                          'mean': MEAN, 'std': STD, 'channel_order': 'RGB'},
        'protocol': SEMSEG_PROTOCOL[a.dataset],
        'source_checkpoint': None if a.weights == 'none' else {
            'file': os.path.basename(a.weights), 'sha256': source_sha},
        'random_init_seed': a.random_init if a.weights == 'none' else None,
        'parameters': model_params,
        'file_size_bytes': os.path.getsize(a.output),
        'sha256': sha256(a.output),
        'torch_version': torch.__version__,
        'export_seconds': round(seconds, 1),
        'command': 'python3 notebooks/pspnet/export.py ' + ' '.join(sys.argv[1:]),
    }
    if len(names) != classes:
        raise SystemExit('--classes %d but dataset %s has %d classes' % (classes, a.dataset, len(names)))
    path = card_path(a.output)
    with open(path, 'w') as f:
        json.dump(card, f, indent=2)
        f.write('\n')
    print('wrote model card %s' % path)


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
            if not torch.isfinite(ref).all():
                raise SystemExit('the model gives non-finite logits on %s' % name)
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


class _WithBf16(torch.nn.Module):
    """forward: the float32 trace; forward_bf16: the bfloat16-autocast trace of the same weights."""

    def __init__(self, fp32, bf16):
        super().__init__()
        self.fp32 = fp32
        self.bf16 = bf16

    def forward(self, x):
        return self.fp32(x)

    @torch.jit.export
    def forward_bf16(self, x):
        return self.bf16(x).float()


class _WithBf16Fp16(_WithBf16):
    def __init__(self, fp32, bf16, fp16):
        super().__init__(fp32, bf16)
        self.fp16 = fp16

    @torch.jit.export
    def forward_fp16(self, x):
        return self.fp16(x).float()


def trace_autocast(model, sample, device_type, dtype):
    """A trace with autocast's casts recorded as ordinary aten::to nodes (JIT autocast off while tracing), so
    that the saved graph runs in reduced precision wherever it is loaded, without autocast at run time."""
    model = model.eval()
    previous = torch._C._jit_set_autocast_mode(False)
    try:
        with torch.no_grad(), torch.autocast(device_type, dtype=dtype):
            return torch.jit.trace(model, sample, check_trace=False)
    finally:
        torch._C._jit_set_autocast_mode(previous)


def add_reduced_precision(model, fp32, fp32_path, precisions, size, check_shape, seed=0):
    """Rewrites fp32_path as one module with forward_bf16 (and forward_fp16), checked against the float32 model.
    fp32 is the in-memory float32 trace: traces of one model share its parameter tensors, which torch.jit.save
    writes once, so the file stays the size of one model."""
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn(1, 3, size[0], size[1], generator=g)
    check = torch.randn(*check_shape, generator=g)
    bf16 = trace_autocast(model, sample, 'cpu', torch.bfloat16)
    if 'fp16' in precisions:
        if not torch.cuda.is_available():
            raise SystemExit('--precisions fp16 traces under CUDA autocast and needs a GPU at export time')
        cuda = model.cuda()
        fp16 = trace_autocast(cuda, sample.cuda(), 'cuda', torch.float16)
        model.cpu()
        wrapper = torch.jit.script(_WithBf16Fp16(fp32, bf16, fp16))
    else:
        wrapper = torch.jit.script(_WithBf16(fp32, bf16))
    wrapper.save(fp32_path)
    reloaded = torch.jit.load(fp32_path, map_location='cpu')
    with torch.no_grad():
        ref = model(check)
        full = reloaded(check)
        if (full - ref).abs().max().item() > 1e-4:
            raise SystemExit('the float32 forward of the combined module disagrees with the eager model')
        low = reloaded.forward_bf16(check)
        if low.dtype != torch.float32 or low.shape != ref.shape:
            raise SystemExit('forward_bf16 returns %s %s, expected float32 %s' % (low.dtype, tuple(low.shape),
                                                                                   tuple(ref.shape)))
        agree = (low.argmax(1) == ref.argmax(1)).double().mean().item()
    print('added forward_bf16 (%s): argmax agrees with float32 on %.2f %% of the check pixels (random input); '
          'saved %s (%d bytes)' % ('and forward_fp16' if 'fp16' in precisions else 'bfloat16 autocast', 100 * agree,
                                   fp32_path, os.path.getsize(fp32_path)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--layers', default='50', choices=['50', '101', '152', 'tiny'])
    ap.add_argument('--classes', type=int, help='output classes (default: the dataset\'s)')
    ap.add_argument('--dataset', choices=sorted(SEMSEG_PROTOCOL),
                    help='write a model card for this dataset next to the .pt')
    ap.add_argument('--write-official-checkpoint', metavar='PTH',
                    help='also save the (random or loaded) model as a semseg-format checkpoint, aux head included')
    ap.add_argument('--weights', default='none', help="official semseg .pth (or a plain state dict), or 'none'")
    ap.add_argument('--random-init', type=int, default=0, metavar='SEED', help='torch seed for the initialisation')
    ap.add_argument('--size', type=int, nargs='+', default=[97],
                    help='trace sample H [W] (default 97; e.g. 473, 713, or 129 257): the trace is size-generic, any size works')
    ap.add_argument('--check-shape', type=int, nargs=4, default=[2, 3, 97, 161])
    ap.add_argument('--output', required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--precisions', default='fp32,bf16',
                    help='forward methods to save: fp32 (always), bf16 (CPU autocast), fp16 (CUDA autocast, needs a '
                         'GPU); default fp32,bf16')
    a = ap.parse_args()
    precisions = [p.strip() for p in a.precisions.split(',') if p.strip()]
    a.precisions_list = precisions
    if 'fp32' not in precisions or any(p not in ('fp32', 'bf16', 'fp16') for p in precisions):
        ap.error('--precisions: a list of fp32 (required), bf16, fp16')
    if 'fp16' in precisions and 'bf16' not in precisions:
        ap.error('--precisions: fp16 comes with bf16 (fp32,bf16,fp16)')
    if a.classes is None:
        if a.dataset is None:
            ap.error('give --classes or --dataset')
        a.classes = len(train_classes(a.dataset))
    torch.set_num_threads(a.threads)
    size = (a.size[0], a.size[-1])
    torch.manual_seed(a.random_init)
    t_start = time.time()
    if a.write_official_checkpoint:
        if a.weights != 'none':
            ap.error('--write-official-checkpoint writes random weights; use it with --weights none')
        full = pspnet.build_model(a.layers, a.classes, aux=True)
        write_official_checkpoint(full, a.write_official_checkpoint)
        del full
        a.weights = a.write_official_checkpoint
    model = pspnet.build_model(a.layers, a.classes, aux=False)
    if a.weights != 'none':
        info = pspnet.load_official_checkpoint(model, a.weights)
        print('loaded %s strictly: %s' % (a.weights, json.dumps(info)))
    else:
        print('no weights: random initialisation with seed %d' % a.random_init)
    print('PSPNet-%s, %d classes, %d parameters, %d state-dict keys (no aux)' % (
        a.layers, a.classes, pspnet.count_parameters(model), len(model.state_dict())))
    t0 = time.time()
    traced = trace_and_check(model, size, tuple(a.check_shape), a.output)
    if len(precisions) > 1:
        add_reduced_precision(model, traced, a.output, precisions, size, tuple(a.check_shape))
    print('sha256 %s (%.1f s)' % (sha256(a.output), time.time() - t0))
    if a.dataset:
        source_sha = None if a.weights == 'none' else sha256(a.weights)
        write_card(a, a.classes, pspnet.count_parameters(model), source_sha, time.time() - t_start)


if __name__ == '__main__':
    main()
