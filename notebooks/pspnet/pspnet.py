"""PSPNet with the exact state-dict layout of the official PSPNet PyTorch code (hszhao/semseg).

Own code, written to reproduce the module names and tensor shapes of semseg's
``model/pspnet.py`` + ``model/resnet.py`` so that an official checkpoint
(``exp/<dataset>/pspnet50|101/model/train_epoch_*.pth``) loads with ``strict=True``:

* ``layer0`` = Sequential(conv1 3->64 s2, bn1, relu, conv2 64->64, bn2, relu,
  conv3 64->128, bn3, relu, maxpool 3x3 s2)  (the "deep base" ResNet stem)
* ``layer1..layer4`` = Bottleneck stages (planes 64/128/256/512, expansion 4),
  ``layer3``/``layer4`` dilated 2/4 with stride 1 exactly as semseg does it: after
  construction every ``conv2`` of the stage gets dilation=padding=d, stride 1, and every
  ``downsample.0`` gets stride 1 (so the output stride is 8)
* ``ppm.features.{i}`` = Sequential(AdaptiveAvgPool2d(bin), Conv1x1 2048->512 no bias, BN,
  ReLU) for bins (1, 2, 3, 6); upsampled with bilinear align_corners=True and concatenated
* ``cls`` = Sequential(Conv3x3 4096->512 no bias, BN, ReLU, Dropout2d(0.1), Conv1x1 512->classes)
* ``aux`` = Sequential(Conv3x3 1024->256 no bias, BN, ReLU, Dropout2d(0.1), Conv1x1 256->classes)
  (official checkpoints contain it; it is only used for the training loss)

ResNet-50 + aux has 370 state-dict keys (including BatchNorm ``num_batches_tracked``).

Differences from the official forward (deliberate):
* no ``(H-1) % 8 == 0`` assertion and the final upsampling target is the *input* size read
  from the tensor (for (H-1) % 8 == 0 inputs and zoom_factor 8 this is exactly the official
  ``(H-1)/8*8+1``); this keeps ``torch.jit.trace`` size-generic: one traced file works for any
  input size;
* eval mode returns logits (N, classes, H, W); train mode returns ``(logits, aux_logits)``
  (aux_logits is None without aux) and the caller computes the losses.

``width`` scales every channel count (stem, bottleneck planes, PPM, cls/aux hidden widths) and
``layers`` may be any 4-tuple of block counts: this gives the tiny demo network with the very
same module names/structure.

Self-check (prints the 370-key check):
    /usr/bin/python3 notebooks/pspnet/pspnet.py
"""
import math
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

LAYER_CONFIGS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}

# Input normalisation of semseg tool/test.py (RGB, values 0..255).
MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]


def _ch(c, width):
    """Channel count c scaled by width (at least 1)."""
    return max(1, int(round(c * width)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


def _make_stage(inplanes, planes, blocks, stride):
    downsample = None
    if stride != 1 or inplanes != planes * Bottleneck.expansion:
        downsample = nn.Sequential(
            nn.Conv2d(inplanes, planes * Bottleneck.expansion, kernel_size=1, stride=stride, bias=False),
            nn.BatchNorm2d(planes * Bottleneck.expansion),
        )
    mods = [Bottleneck(inplanes, planes, stride, downsample)]
    for _ in range(1, blocks):
        mods.append(Bottleneck(planes * Bottleneck.expansion, planes))
    return nn.Sequential(*mods)


def _conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


def _dilate(stage, d):
    """semseg's in-place edit: conv2 -> dilation/padding d, stride 1; downsample.0 -> stride 1."""
    for name, m in stage.named_modules():
        if 'conv2' in name:
            m.dilation, m.padding, m.stride = (d, d), (d, d), (1, 1)
        elif 'downsample.0' in name:
            m.stride = (1, 1)


class PPM(nn.Module):
    def __init__(self, in_dim, reduction_dim, bins):
        super().__init__()
        self.features = nn.ModuleList([
            nn.Sequential(
                nn.AdaptiveAvgPool2d(b),
                nn.Conv2d(in_dim, reduction_dim, kernel_size=1, bias=False),
                nn.BatchNorm2d(reduction_dim),
                nn.ReLU(inplace=True),
            ) for b in bins
        ])

    def forward(self, x):
        size = x.shape[2:]
        out = [x]
        for f in self.features:
            out.append(F.interpolate(f(x), size=size, mode='bilinear', align_corners=True))
        return torch.cat(out, 1)


class PSPNet(nn.Module):
    """PSPNet (ResNet deep-base backbone, dilated, output stride 8).

    layers: 50, 101, 152 or a 4-tuple of Bottleneck counts (e.g. (1, 1, 1, 1)).
    width: channel multiplier (1.0 = official).
    aux: build the auxiliary head (official checkpoints contain it).
    """

    def __init__(self, layers=50, classes=2, bins=(1, 2, 3, 6), dropout=0.1, width=1.0, aux=True):
        super().__init__()
        blocks = LAYER_CONFIGS[layers] if isinstance(layers, int) else tuple(layers)
        assert len(blocks) == 4 and classes > 1
        self.classes = classes
        c64, c128 = _ch(64, width), _ch(128, width)
        self.layer0 = nn.Sequential(
            _conv3x3(3, c64, stride=2), nn.BatchNorm2d(c64), nn.ReLU(inplace=True),
            _conv3x3(c64, c64), nn.BatchNorm2d(c64), nn.ReLU(inplace=True),
            _conv3x3(c64, c128), nn.BatchNorm2d(c128), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        planes = [_ch(p, width) for p in (64, 128, 256, 512)]
        inplanes = c128
        stages = []
        for i, (p, n) in enumerate(zip(planes, blocks)):
            stages.append(_make_stage(inplanes, p, n, 1 if i == 0 else 2))
            inplanes = p * Bottleneck.expansion
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        _dilate(self.layer3, 2)
        _dilate(self.layer4, 4)

        fea_dim = planes[3] * Bottleneck.expansion           # 2048 at width 1
        assert fea_dim % len(bins) == 0
        self.ppm = PPM(fea_dim, fea_dim // len(bins), bins)
        fea_dim *= 2
        hidden = _ch(512, width)
        self.cls = nn.Sequential(
            nn.Conv2d(fea_dim, hidden, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
            nn.Dropout2d(p=dropout),
            nn.Conv2d(hidden, classes, kernel_size=1),
        )
        if aux:
            aux_in, aux_hidden = planes[2] * Bottleneck.expansion, _ch(256, width)  # 1024, 256
            self.aux = nn.Sequential(
                nn.Conv2d(aux_in, aux_hidden, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(aux_hidden),
                nn.ReLU(inplace=True),
                nn.Dropout2d(p=dropout),
                nn.Conv2d(aux_hidden, classes, kernel_size=1),
            )
        else:
            self.aux = None
        # Same initialisation rule as semseg's ResNet (kaiming fan_out for convs, BN 1/0).
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        size = x.shape[2:]
        x = self.layer0(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x_tmp = self.layer3(x)
        x = self.layer4(x_tmp)
        x = self.ppm(x)
        x = self.cls(x)
        x = F.interpolate(x, size=size, mode='bilinear', align_corners=True)
        if self.training:
            aux = None
            if self.aux is not None:
                aux = F.interpolate(self.aux(x_tmp), size=size, mode='bilinear', align_corners=True)
            return x, aux
        return x


def tiny_pspnet(classes=19, aux=True):
    """The demo configuration: one Bottleneck per stage, 1/8 of the official widths."""
    return PSPNet(layers=(1, 1, 1, 1), classes=classes, width=0.125, aux=aux)


def build_model(layers, classes, aux=True):
    """layers: 50 | 101 | 152 | 'tiny' (ints may also be given as strings)."""
    if str(layers) == 'tiny':
        return tiny_pspnet(classes, aux=aux)
    return PSPNet(layers=int(layers), classes=classes, aux=aux)


def load_official_checkpoint(model, path):
    """Load a semseg checkpoint (or a plain state dict) into ``model`` with strict=True.

    * ``checkpoint['state_dict']`` is used when present (semseg saves
      {'epoch', 'state_dict', 'optimizer'}), else the file is taken as the state dict;
    * a leading ``module.`` (from DataParallel/DistributedDataParallel) is stripped;
    * ``aux.*`` keys are dropped when the model has no aux head;
    * BatchNorm ``num_batches_tracked`` buffers missing from old (PyTorch 0.4) checkpoints are
      filled with 0 (they do not affect eval-mode results);
    * anything else that does not match (missing, unexpected, wrong shape) raises a
      RuntimeError listing the keys. semseg's own test.py loads with strict=False, which
      silently leaves randomly initialised layers when keys do not match.
    Returns a dict describing what was done.
    """
    ckpt = torch.load(path, map_location='cpu')
    sd = ckpt['state_dict'] if isinstance(ckpt, dict) and 'state_dict' in ckpt else ckpt
    if not isinstance(sd, dict):
        raise RuntimeError('%s: not a state dict / checkpoint (got %s)' % (path, type(sd).__name__))
    out = OrderedDict()
    stripped = 0
    for k, v in sd.items():
        if k.startswith('module.'):
            k = k[len('module.'):]
            stripped += 1
        out[k] = v
    dropped = []
    if getattr(model, 'aux', None) is None:
        dropped = [k for k in out if k.startswith('aux.')]
        for k in dropped:
            del out[k]
    expected = model.state_dict()
    filled = []
    for k in expected:
        if k.endswith('num_batches_tracked') and k not in out:
            out[k] = torch.zeros((), dtype=torch.long)
            filled.append(k)
    missing = [k for k in expected if k not in out]
    unexpected = [k for k in out if k not in expected]
    mismatched = ['%s: checkpoint %s vs model %s' % (k, tuple(out[k].shape), tuple(expected[k].shape))
                  for k in expected if k in out and tuple(out[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or mismatched:
        msg = ['checkpoint %s does not match the model (%d model keys, %d checkpoint keys):'
               % (path, len(expected), len(out))]
        if missing:
            msg.append('  missing keys (%d): %s' % (len(missing), ', '.join(missing)))
        if unexpected:
            msg.append('  unexpected keys (%d): %s' % (len(unexpected), ', '.join(unexpected)))
        if mismatched:
            msg.append('  shape mismatches (%d): %s' % (len(mismatched), '; '.join(mismatched)))
        msg.append('  (check --layers and --classes; semseg ADE20K=150, VOC2012=21, Cityscapes=19 classes)')
        raise RuntimeError('\n'.join(msg))
    model.load_state_dict(out, strict=True)
    return {'keys': len(out), 'stripped_module_prefix': stripped, 'dropped_aux_keys': len(dropped),
            'filled_num_batches_tracked': len(filled)}


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def _self_check():
    m = PSPNet(layers=50, classes=150, aux=True)
    sd = m.state_dict()
    print('PSPNet-50 (with aux) state dict: %d keys (expected 370): %s' % (len(sd), 'OK' if len(sd) == 370 else 'FAIL'))
    checks = {
        'layer0.0.weight': (64, 3, 3, 3), 'layer0.3.weight': (64, 64, 3, 3), 'layer0.6.weight': (128, 64, 3, 3),
        'layer1.0.downsample.0.weight': (256, 128, 1, 1), 'layer3.0.conv2.weight': (256, 256, 3, 3),
        'layer4.2.conv3.weight': (2048, 512, 1, 1), 'ppm.features.3.1.weight': (512, 2048, 1, 1),
        'ppm.features.0.2.running_var': (512,), 'cls.0.weight': (512, 4096, 3, 3), 'cls.4.weight': (150, 512, 1, 1),
        'cls.4.bias': (150,), 'aux.0.weight': (256, 1024, 3, 3), 'aux.4.weight': (150, 256, 1, 1),
    }
    bad = [k for k, s in checks.items() if tuple(sd[k].shape) != s]
    print('spot-checked shapes: %s' % ('OK' if not bad else 'FAIL ' + str(bad)))
    print('layer3.0.conv2: stride %s dilation %s padding %s; layer4.0.downsample.0 stride %s'
          % (m.layer3[0].conv2.stride, m.layer3[0].conv2.dilation, m.layer3[0].conv2.padding,
             m.layer4[0].downsample[0].stride))
    print('PSPNet-50 parameters: %d (with aux), %d keys without aux' % (
        count_parameters(m), len(PSPNet(layers=50, classes=150, aux=False).state_dict())))
    print('PSPNet-101 (with aux) state dict: %d keys' % len(PSPNet(layers=101, classes=150).state_dict()))
    t = tiny_pspnet(19, aux=True)
    print('tiny PSPNet: %d keys, %d parameters (with aux), %d without aux' % (
        len(t.state_dict()), count_parameters(t), count_parameters(tiny_pspnet(19, aux=False))))
    m.eval()
    with torch.no_grad():
        y = m(torch.zeros(1, 3, 65, 97))
    print('eval output for 1x3x65x97:', tuple(y.shape))
    if len(sd) != 370 or bad:
        raise SystemExit(1)


if __name__ == '__main__':
    _self_check()
