"""The official PSPNet test protocol (hszhao/semseg tool/test.py: test / scale_process /
net_process) re-implemented in PyTorch only (no OpenCV), so that the Java side (DJL) can
reproduce it operation by operation.

Own code. Deliberate, documented choices (the Java implementation must do the same):

(a) Every resize is ``F.interpolate(t, size=(H, W), mode='bilinear', align_corners=False)`` on
    float32 tensors, no antialiasing. This is the half-pixel formula of cv2.INTER_LINEAR
    (src = (dst + 0.5) * in/out - 0.5, clamped at 0; the upper neighbour index clamped to the
    last pixel) that semseg uses for both the image->scale resize and the probabilities->label
    size resize. Resizing to the same size is the identity.
(b) Scaled size as semseg: ``long_size = round(scale * base_size)`` (Python round, half to even:
    round(112.5) == 112); if h > w: new_h = long_size, new_w = round(long_size / h * w), else
    new_w = long_size, new_h = round(long_size / w * h) (double precision, evaluated in that
    order: (long_size / (double) h) * w, then round half to even).
(c) Order of operations as semseg: the RGB image (float32, 0..255) is resized first, then
    normalised per channel ((x - mean) / std, mean = [0.485, 0.456, 0.406] * 255,
    std = [0.229, 0.224, 0.225] * 255), then padded, centred, to at least the crop size:
    pad_h = max(crop_h - new_h, 0), top = pad_h // 2, bottom = pad_h - top (same for width).
    semseg pads the raw image with the mean, which is 0 after normalisation, so we pad the
    normalised tensor with 0.
(d) Sliding window: stride_h = ceil(crop_h * stride_rate) (double; stride_rate 2/3),
    grid_h = ceil((pad_h_total - crop_h) / stride_h) + 1 (pad_h_total = padded height);
    window i starts at s = i * stride_h, ends at e = min(s + crop_h, H_padded), and then
    s = e - crop_h (so the last window is flush with the edge). Softmax probabilities of the
    windows are summed and divided by the per-pixel window count.
(e) Flip modes for each window:
    'none'   : softmax(model(x))
    'semseg' : (softmax(model(x)) + flip_w(softmax(model(flip_w(x))))) / 2   (semseg test.py)
    'caffe'  : softmax(model(x) + flip_w(model(flip_w(x))))   (logits summed before softmax,
               as the original Caffe PSPNet evaluation does)
    x and flip_w(x) are run as one batch of 2 (as semseg does).
(f) Per scale: the padding is cropped off the averaged probabilities, which are resized
    (as in (a)) to the original image size; the per-scale maps are summed and divided by the
    number of scales; the label is the argmax over classes (ties: lowest class index).
    The top-two gap is p(top1) - p(top2) of that final averaged map.
All arithmetic is float32 (semseg accumulates in float64; the difference is ~1e-7 and only
matters where the gap is that small).

The model is any callable mapping a float32 N x 3 x H x W tensor to N x C x H x W logits (an
eager PSPNet or a TorchScript module). If its output is smaller than its input it is upsampled
with bilinear align_corners=True (semseg net_process); our models already return input size.

Library module; used by train_tiny.py, evaluate_synth.py and make_fixtures.py.
Quick check on one image (prints the label histogram):
    /usr/bin/python3 notebooks/pspnet/protocol.py --model notebooks/models/pspnet-tiny-synth-cityscapes.pt \
        --image src/test/resources/fixtures/inference/image-128x256.png --crop 65 65 --flip semseg
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]
FLIP_MODES = ('none', 'semseg', 'caffe')


def resize(t, h, w):
    """Bilinear, align_corners=False (cv2.INTER_LINEAR formula) of a C x H x W float tensor."""
    return F.interpolate(t.unsqueeze(0), size=(h, w), mode='bilinear', align_corners=False)[0]


def normalise(t):
    """C x H x W float32 RGB 0..255 -> (t - mean) / std per channel."""
    mean = torch.tensor(MEAN, dtype=torch.float32).view(3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32).view(3, 1, 1)
    return (t - mean) / std


def scaled_size(h, w, scale, base_size):
    long_size = round(scale * base_size)
    new_h = new_w = long_size
    if h > w:
        new_w = round(long_size / float(h) * w)
    else:
        new_h = round(long_size / float(w) * h)
    return int(new_h), int(new_w)


def window_grid(new_h, new_w, crop_h, crop_w, stride_rate=2.0 / 3.0):
    """Padding and window layout of scale_process (see (c), (d))."""
    pad_h, pad_w = max(crop_h - new_h, 0), max(crop_w - new_w, 0)
    ph, pw = new_h + pad_h, new_w + pad_w
    stride_h, stride_w = int(math.ceil(crop_h * stride_rate)), int(math.ceil(crop_w * stride_rate))
    grid_h = int(math.ceil(float(ph - crop_h) / stride_h) + 1)
    grid_w = int(math.ceil(float(pw - crop_w) / stride_w) + 1)
    windows = []
    for ih in range(grid_h):
        for iw in range(grid_w):
            e_h = min(ih * stride_h + crop_h, ph)
            e_w = min(iw * stride_w + crop_w, pw)
            windows.append((e_h - crop_h, e_w - crop_w))
    return {'pad_top': pad_h // 2, 'pad_bottom': pad_h - pad_h // 2, 'pad_left': pad_w // 2,
            'pad_right': pad_w - pad_w // 2, 'padded_h': ph, 'padded_w': pw,
            'stride_h': stride_h, 'stride_w': stride_w, 'grid_h': grid_h, 'grid_w': grid_w,
            'windows': windows}


def net_process(model, x, flip):
    """x: 3 x h x w normalised window -> C x h x w probabilities (see (e))."""
    inp = x.unsqueeze(0)
    if flip != 'none':
        inp = torch.cat([inp, inp.flip(3)], 0)
    with torch.no_grad():
        out = model(inp)
    if out.shape[2:] != inp.shape[2:]:
        out = F.interpolate(out, size=inp.shape[2:], mode='bilinear', align_corners=True)
    if flip == 'none':
        return F.softmax(out, dim=1)[0]
    if flip == 'semseg':
        p = F.softmax(out, dim=1)
        return (p[0] + p[1].flip(2)) / 2
    if flip == 'caffe':
        return F.softmax((out[0] + out[1].flip(2)).unsqueeze(0), dim=1)[0]
    raise ValueError('flip must be one of %s' % (FLIP_MODES,))


def scale_process(model, x, classes, crop_h, crop_w, h, w, flip, stride_rate=2.0 / 3.0):
    """x: 3 x new_h x new_w normalised image -> C x h x w probabilities (see (c), (d), (f))."""
    _, new_h, new_w = x.shape
    g = window_grid(new_h, new_w, crop_h, crop_w, stride_rate)
    if g['padded_h'] != new_h or g['padded_w'] != new_w:
        x = F.pad(x, (g['pad_left'], g['pad_right'], g['pad_top'], g['pad_bottom']), value=0.0)
    ph, pw = g['padded_h'], g['padded_w']
    acc = torch.zeros(classes, ph, pw, dtype=torch.float32)
    count = torch.zeros(1, ph, pw, dtype=torch.float32)
    for s_h, s_w in g['windows']:
        crop = x[:, s_h:s_h + crop_h, s_w:s_w + crop_w]
        acc[:, s_h:s_h + crop_h, s_w:s_w + crop_w] += net_process(model, crop, flip)
        count[:, s_h:s_h + crop_h, s_w:s_w + crop_w] += 1
    acc /= count
    acc = acc[:, g['pad_top']:g['pad_top'] + new_h, g['pad_left']:g['pad_left'] + new_w]
    return resize(acc, h, w)


def predict(model, image, classes, base_size=None, crop=(473, 473), scales=(1.0,), flip='none',
            stride_rate=2.0 / 3.0):
    """semseg test() for one image.

    image: H x W x 3 uint8 RGB numpy array. base_size None = long side of the image.
    Returns (labels H x W uint8/int64 numpy, gap H x W float32 numpy, probs C x H x W tensor).
    """
    if flip not in FLIP_MODES:
        raise ValueError('flip must be one of %s' % (FLIP_MODES,))
    h, w = image.shape[:2]
    base_size = max(h, w) if base_size is None else base_size
    crop_h, crop_w = crop
    img = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float()
    prob = torch.zeros(classes, h, w, dtype=torch.float32)
    for scale in scales:
        new_h, new_w = scaled_size(h, w, scale, base_size)
        x = normalise(resize(img, new_h, new_w))
        prob += scale_process(model, x, classes, crop_h, crop_w, h, w, flip, stride_rate)
    prob /= len(scales)
    p = prob.numpy()
    labels = np.argmax(p, axis=0)                       # first maximum = lowest class index
    top2 = np.sort(p, axis=0)[-2:]
    gap = (top2[1] - top2[0]).astype(np.float32)
    return labels, gap, prob


def confusion(pred, gt, classes, ignore=255):
    valid = gt != ignore
    return np.bincount(classes * gt[valid].astype(np.int64) + pred[valid].astype(np.int64),
                       minlength=classes * classes).reshape(classes, classes)


def miou(conf):
    """Per-class IoU = TP / (TP + FP + FN) over the whole set; mean over classes that occur
    (in the ground truth or the prediction: union > 0), as the Cityscapes evaluation does
    (classes without any pixel are NaN there and skipped)."""
    tp = np.diag(conf).astype(np.float64)
    union = conf.sum(0) + conf.sum(1) - tp
    iou = np.where(union > 0, tp / np.maximum(union, 1), np.nan)
    return float(np.nanmean(iou)), iou


def _main():
    import argparse
    from PIL import Image
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True)
    ap.add_argument('--image', required=True)
    ap.add_argument('--classes', type=int, default=19)
    ap.add_argument('--crop', type=int, nargs=2, default=(473, 473))
    ap.add_argument('--base-size', type=int, default=None)
    ap.add_argument('--scales', type=float, nargs='+', default=[1.0])
    ap.add_argument('--flip', choices=FLIP_MODES, default='none')
    a = ap.parse_args()
    torch.set_num_threads(2)
    model = torch.jit.load(a.model, map_location='cpu').eval()
    img = np.array(Image.open(a.image).convert('RGB'))
    labels, gap, _ = predict(model, img, a.classes, a.base_size, tuple(a.crop), a.scales, a.flip)
    print('labels', dict(zip(*[x.tolist() for x in np.unique(labels, return_counts=True)])))
    print('gap min/mean', float(gap.min()), float(gap.mean()))


if __name__ == '__main__':
    _main()
