"""Train the tiny PSPNet demo model on the project's synthetic Cityscapes data, export it as a
size-generic traced TorchScript file and write its metadata JSON.

Data (made with the project's own tool; run from the repository root):
    jobs/segeval.sh synth --dataset cityscapes --output /tmp/synth-train --images 300 \
        --width 256 --height 128 --seed 101 --split train
    jobs/segeval.sh synth --dataset cityscapes --output /tmp/synth-val --images 24 \
        --width 512 --height 256 --seed 7 --split val

Regenerate the committed model (CPU, 2 threads, about 10 minutes; Debian python3-torch 1.13):
    /usr/bin/python3 notebooks/pspnet/train_tiny.py --train /tmp/synth-train --val /tmp/synth-val \
        --output notebooks/models/pspnet-tiny-synth-cityscapes.pt

Model: pspnet.tiny_pspnet (official PSPNet module names; one Bottleneck per stage, widths x 1/8,
aux head during training with loss weight 0.4 as semseg). Training: SGD momentum 0.9, weight
decay 1e-4, poly learning rate (power 0.9) as semseg, cross-entropy with ignore_index 255,
random scale / horizontal flip / random 129x257 crop (padded with the mean, i.e. 0 after
normalisation, and label 255), input normalised exactly as semseg test.py. Fixed number of
iterations and fixed seeds, so the run is repeatable (bit-exact for the same torch build and
thread count). The val score is measured on the exported TorchScript file with the semseg test
protocol (protocol.py), single scale, whole image, no flip (evaluate_synth.py).
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate_synth  # noqa: E402
import export  # noqa: E402
import protocol  # noqa: E402
import pspnet  # noqa: E402
import synthdata  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, '..', '..'))


class Augment:
    """semseg-style training transform: RandScale, HorizontalFlip, pad with mean/255, RandomCrop."""

    def __init__(self, images, labels, crop, scale_range, seed):
        self.images = [torch.from_numpy(i).permute(2, 0, 1).float() for i in images]
        self.labels = [torch.from_numpy(l.astype(np.int64)) for l in labels]
        self.crop = crop
        self.scale_range = scale_range
        self.rng = np.random.RandomState(seed)

    def sample(self):
        i = self.rng.randint(len(self.images))
        img, lab = self.images[i], self.labels[i]
        s = self.rng.uniform(*self.scale_range)
        h, w = lab.shape
        nh, nw = max(1, int(round(h * s))), max(1, int(round(w * s)))
        img = protocol.resize(img, nh, nw)
        lab = F.interpolate(lab[None, None].float(), size=(nh, nw), mode='nearest')[0, 0].long()
        if self.rng.rand() < 0.5:
            img, lab = img.flip(2), lab.flip(1)
        img = protocol.normalise(img)
        ch, cw = self.crop
        ph, pw = max(ch - nh, 0), max(cw - nw, 0)
        if ph or pw:
            img = F.pad(img, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=0.0)
            lab = F.pad(lab, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=255)
        y0 = self.rng.randint(img.shape[1] - ch + 1)
        x0 = self.rng.randint(img.shape[2] - cw + 1)
        return img[:, y0:y0 + ch, x0:x0 + cw], lab[y0:y0 + ch, x0:x0 + cw]

    def batch(self, n):
        xs, ys = zip(*[self.sample() for _ in range(n)])
        return torch.stack(xs), torch.stack(ys)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--train', default='/tmp/synth-train')
    ap.add_argument('--val', default='/tmp/synth-val')
    ap.add_argument('--output', default=os.path.join(REPO, 'notebooks', 'models', 'pspnet-tiny-synth-cityscapes.pt'))
    ap.add_argument('--checkpoint', default='/tmp/pspnet-tiny-train/train_final.pth',
                    help='semseg-format training checkpoint (not committed)')
    ap.add_argument('--iters', type=int, default=600)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--lr', type=float, default=0.02)
    ap.add_argument('--crop', type=int, nargs=2, default=[129, 257])
    ap.add_argument('--scale', type=float, nargs=2, default=[0.75, 2.0])
    ap.add_argument('--aux-weight', type=float, default=0.4)
    ap.add_argument('--seed', type=int, default=20240)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--log-every', type=int, default=100)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)

    images, labels, _ = synthdata.load_split(a.train, 'train')
    val_images, val_labels, _ = synthdata.load_split(a.val, 'val')
    _, class_names = synthdata.label_table()
    classes = len(class_names)
    print('train: %d images %s, val: %d images %s, %d classes' % (
        len(images), images[0].shape, len(val_images), val_images[0].shape, classes))

    model = pspnet.tiny_pspnet(classes, aux=True).train()
    print('tiny PSPNet: %d parameters with aux, %d keys' % (pspnet.count_parameters(model), len(model.state_dict())))
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=1e-4)
    data = Augment(images, labels, tuple(a.crop), tuple(a.scale), a.seed)
    t0, c0 = time.time(), time.process_time()
    run_loss = run_aux = 0.0
    for it in range(a.iters):
        lr = a.lr * (1 - it / a.iters) ** 0.9
        for g in opt.param_groups:
            g['lr'] = lr
        x, y = data.batch(a.batch)
        out, aux = model(x)
        main_loss = F.cross_entropy(out, y, ignore_index=255)
        aux_loss = F.cross_entropy(aux, y, ignore_index=255)
        loss = main_loss + a.aux_weight * aux_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        run_loss += main_loss.item()
        run_aux += aux_loss.item()
        if (it + 1) % a.log_every == 0 or it + 1 == a.iters:
            n = a.log_every if (it + 1) % a.log_every == 0 else (it + 1) % a.log_every
            print('iter %d/%d lr %.5f main loss %.4f aux loss %.4f (%.0f s)' % (
                it + 1, a.iters, lr, run_loss / n, run_aux / n, time.time() - t0), flush=True)
            run_loss = run_aux = 0.0
    train_seconds, train_cpu_seconds = time.time() - t0, time.process_time() - c0

    # Save like semseg does (DataParallel 'module.' prefix, aux included), then load it back
    # strictly into an aux-less model with the official-checkpoint loader and export.
    os.makedirs(os.path.dirname(os.path.abspath(a.checkpoint)), exist_ok=True)
    torch.save({'epoch': a.iters, 'state_dict': {'module.' + k: v for k, v in model.state_dict().items()}},
               a.checkpoint)
    deploy = pspnet.tiny_pspnet(classes, aux=False)
    print('reloaded training checkpoint: %s' % json.dumps(pspnet.load_official_checkpoint(deploy, a.checkpoint)))
    export.trace_and_check(deploy, tuple(a.crop), (2, 3, 97, 161), a.output)

    traced = torch.jit.load(a.output, map_location='cpu').eval()
    t1 = time.time()
    score = evaluate_synth.evaluate(traced, val_images, val_labels, classes)
    print('val mIoU %.4f over %d classes (semseg all-19 %.4f), pixel accuracy %.4f (%.0f s)' % (
        score['mIoU'], score['classes_present'], score['mIoU_semseg_all19'], score['pixel_accuracy'],
        time.time() - t1))

    rel = os.path.relpath(os.path.abspath(a.output), REPO)
    meta = {
        'model': os.path.basename(a.output),
        'format': 'TorchScript (torch.jit.trace, size-generic), saved by PyTorch %s' % torch.__version__,
        'architecture': 'PSPNet with the official hszhao/semseg module names (notebooks/pspnet/pspnet.py '
                        'tiny_pspnet): deep-stem ResNet, one Bottleneck per stage, all widths x 1/8, '
                        'layer3/layer4 dilated 2/4 (output stride 8), PPM bins (1,2,3,6), no aux head in the export',
        'input': 'float32 N x 3 x H x W, RGB, any H and W (trained on 129 x 257 crops)',
        'output': 'float32 N x 19 x H x W logits (same H, W as the input)',
        'normalisation': {'description': '(x - mean) / std per channel, x = RGB value 0..255 (semseg tool/test.py)',
                          'mean': protocol.MEAN, 'std': protocol.STD, 'channel_order': 'RGB'},
        'classes': classes,
        'class_names': class_names,
        'label_space': 'Cityscapes train ids 0..18 (255 = ignore), from src/main/resources/labels/cityscapes.csv',
        'parameters': pspnet.count_parameters(deploy),
        'parameters_with_aux_head_during_training': pspnet.count_parameters(model),
        'file_size_bytes': os.path.getsize(a.output),
        'sha256': export.sha256(a.output),
        'seed': a.seed,
        'training': {
            'command': '/usr/bin/python3 notebooks/pspnet/train_tiny.py --train %s --val %s --output %s'
                       % (a.train, a.val, rel),
            'data_command': 'jobs/segeval.sh synth --dataset cityscapes --output /tmp/synth-train --images 300 '
                            '--width 256 --height 128 --seed 101 --split train',
            'iterations': a.iters, 'batch_size': a.batch, 'base_lr': a.lr, 'lr_policy': 'poly, power 0.9',
            'optimizer': 'SGD momentum 0.9, weight decay 1e-4', 'crop': a.crop, 'scale_range': a.scale,
            'aux_loss_weight': a.aux_weight, 'loss': 'cross-entropy, ignore_index 255',
            'threads': a.threads, 'device': 'CPU', 'seconds': round(train_seconds, 1),
            'cpu_seconds_all_threads': round(train_cpu_seconds, 1),
            'note': 'wall time measured on a shared 2-core machine (other jobs running); the CPU time is the '
                    'summed time of the training threads',
        },
        'validation': {
            'data_command': 'jobs/segeval.sh synth --dataset cityscapes --output /tmp/synth-val --images 24 '
                            '--width 512 --height 256 --seed 7 --split val',
            'command': '/usr/bin/python3 notebooks/pspnet/evaluate_synth.py --model %s --data %s --split val'
                       % (rel, a.val),
            'protocol': 'semseg test protocol (notebooks/pspnet/protocol.py): single scale 1.0, base size = long '
                        'side, whole image (crop 257 x 513, padded), no flip',
            'mIoU': round(score['mIoU'], 4),
            'mIoU_definition': 'mean over classes with union > 0 of TP/(TP+FP+FN), pixels summed over the set '
                               '(Cityscapes convention)',
            'classes_present': score['classes_present'],
            'mIoU_semseg_all19': round(score['mIoU_semseg_all19'], 4),
            'pixel_accuracy': round(score['pixel_accuracy'], 4),
            'per_class_iou': dict(zip(class_names, score['per_class_iou'])),
        },
        'torch_version': torch.__version__,
    }
    meta_path = os.path.splitext(a.output)[0] + '.json'
    with open(meta_path, 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    print('wrote %s and %s' % (a.output, meta_path))


if __name__ == '__main__':
    main()
