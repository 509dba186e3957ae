"""Write the inference fixtures for the Java (DJL) tests into
src/test/resources/fixtures/inference/: three small RGB images, the expected semseg-protocol
results of the committed tiny model for five protocol settings, a raw-logits fixture, and
manifest.json describing everything (file names, dtypes, layouts, settings, derived sizes).

Regenerate (from the repository root; needs the committed model and the val data of jobs/demo.sh):
    jobs/segeval.sh synth --dataset cityscapes --output /tmp/synth-val --images 24 \
        --width 512 --height 256 --seed 7 --split val
    /usr/bin/python3 notebooks/pspnet/make_fixtures.py --val /tmp/synth-val \
        --model notebooks/models/pspnet-tiny-synth-cityscapes.pt \
        --output src/test/resources/fixtures/inference

Deterministic: the images are fixed cuts of the sorted val images, the protocol has no
randomness, and the model runs in eval mode (2 threads).

File formats:
  image-HxW.png               8-bit RGB PNG (the protocol input; no alpha)
  <case>-HxW-labels.png       8-bit grayscale PNG, value = Cityscapes train id 0..18 of the argmax
  <case>-HxW-gap.f32          raw float32 little-endian, H*W values, row-major (y then x), no
                              header: p(top1) - p(top2) of the final averaged probabilities
  logits-input-1x3x65x65.f32  raw float32 little-endian, NCHW row-major, already normalised
  logits-output-1x19x65x65.f32 raw float32 little-endian, NCHW row-major, model logits
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export  # noqa: E402
import protocol  # noqa: E402
import synthdata  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, '..', '..'))

# (val image index in sorted order, top row, left column, height, width)
IMAGE_CUTS = [(0, 100, 200, 96, 160), (1, 60, 100, 128, 256), (2, 80, 300, 150, 90)]

CASES = [
    {'name': 'single', 'description': 'single scale 1.0, no flip, whole image (crop 161x257 >= every image: '
                                      'only padding, one window)',
     'scales': [1.0], 'crop_h': 161, 'crop_w': 257, 'flip': 'none'},
    {'name': 'slide', 'description': 'single scale 1.0, no flip, sliding window 65x65, stride rate 2/3',
     'scales': [1.0], 'crop_h': 65, 'crop_w': 65, 'flip': 'none'},
    {'name': 'flip', 'description': 'as slide, with semseg flip: mean of softmax(x) and flipped softmax(flip x)',
     'scales': [1.0], 'crop_h': 65, 'crop_w': 65, 'flip': 'semseg'},
    {'name': 'flipcaffe', 'description': 'as slide, with caffe flip: softmax(logits(x) + flipped logits(flip x))',
     'scales': [1.0], 'crop_h': 65, 'crop_w': 65, 'flip': 'caffe'},
    {'name': 'multiscale', 'description': 'scales 0.5, 0.75, 1.0, 1.25, semseg flip, sliding window 65x65',
     'scales': [0.5, 0.75, 1.0, 1.25], 'crop_h': 65, 'crop_w': 65, 'flip': 'semseg'},
]
STRIDE_RATE = 2.0 / 3.0
LOGITS_CUT = (1, 30, 100, 65, 65)   # fixture image 1 (128x256): rows 30..94, cols 100..164


def write_f32(path, arr):
    np.ascontiguousarray(arr, dtype='<f4').tofile(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--val', default='/tmp/synth-val')
    ap.add_argument('--model', default=os.path.join(REPO, 'notebooks', 'models', 'pspnet-tiny-synth-cityscapes.pt'))
    ap.add_argument('--output', default=os.path.join(REPO, 'src', 'test', 'resources', 'fixtures', 'inference'))
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.output, exist_ok=True)
    model = torch.jit.load(a.model, map_location='cpu').eval()
    pairs = synthdata.list_pairs(a.val, 'val')
    _, class_names = synthdata.label_table()
    classes = len(class_names)

    images = []
    for idx, top, left, h, w in IMAGE_CUTS:
        src = np.array(Image.open(pairs[idx][0]).convert('RGB'))
        img = np.ascontiguousarray(src[top:top + h, left:left + w])
        assert img.shape == (h, w, 3)
        name = 'image-%dx%d.png' % (h, w)
        Image.fromarray(img, 'RGB').save(os.path.join(a.output, name))
        images.append({'file': name, 'height': h, 'width': w,
                       'source': '%s rows %d..%d cols %d..%d' % (
                           os.path.relpath(pairs[idx][0], a.val), top, top + h - 1, left, left + w - 1),
                       'array': img})

    cases = []
    for case in CASES:
        for im in images:
            h, w = im['height'], im['width']
            base = max(h, w)
            labels, gap, _ = protocol.predict(model, im['array'], classes, base, (case['crop_h'], case['crop_w']),
                                              case['scales'], case['flip'], STRIDE_RATE)
            stem = '%s-%dx%d' % (case['name'], h, w)
            Image.fromarray(labels.astype(np.uint8), 'L').save(os.path.join(a.output, stem + '-labels.png'))
            write_f32(os.path.join(a.output, stem + '-gap.f32'), gap)
            per_scale = []
            for s in case['scales']:
                nh, nw = protocol.scaled_size(h, w, s, base)
                g = protocol.window_grid(nh, nw, case['crop_h'], case['crop_w'], STRIDE_RATE)
                per_scale.append({'scale': s, 'scaled_h': nh, 'scaled_w': nw,
                                  'pad_top': g['pad_top'], 'pad_bottom': g['pad_bottom'],
                                  'pad_left': g['pad_left'], 'pad_right': g['pad_right'],
                                  'stride_h': g['stride_h'], 'stride_w': g['stride_w'],
                                  'grid_h': g['grid_h'], 'grid_w': g['grid_w'],
                                  'windows_top_left': [list(t) for t in g['windows']]})
            hist = np.bincount(labels.ravel(), minlength=classes)
            cases.append({
                'id': stem, 'case': case['name'], 'description': case['description'], 'image': im['file'],
                'height': h, 'width': w, 'base_size': base, 'scales': case['scales'],
                'crop_h': case['crop_h'], 'crop_w': case['crop_w'], 'stride_rate': '2/3', 'flip': case['flip'],
                'labels': stem + '-labels.png', 'gap': stem + '-gap.f32',
                'label_histogram': {str(i): int(c) for i, c in enumerate(hist) if c},
                'gap_min': float(gap.min()), 'pixels_gap_below_1e-4': int((gap < 1e-4).sum()),
                'pixels_gap_below_1e-3': int((gap < 1e-3).sum()),
                'per_scale': per_scale,
            })
            print('%-22s labels %s, gap min %.2e, %d px below 1e-3' % (
                stem, sorted(np.unique(labels).tolist()), gap.min(), (gap < 1e-3).sum()))

    idx, top, left, ch, cw = LOGITS_CUT
    img = images[idx]['array'][top:top + ch, left:left + cw]
    x = protocol.normalise(torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float()).unsqueeze(0).contiguous()
    with torch.no_grad():
        y = model(x)
    write_f32(os.path.join(a.output, 'logits-input-1x3x65x65.f32'), x.numpy())
    write_f32(os.path.join(a.output, 'logits-output-1x19x65x65.f32'), y.numpy())
    print('logits fixture: output range %.3f..%.3f' % (y.min().item(), y.max().item()))

    manifest = {
        'description': 'Expected results of the official PSPNet test protocol (hszhao/semseg tool/test.py, as '
                       're-implemented in notebooks/pspnet/protocol.py) for the committed tiny demo model.',
        'regenerate': '/usr/bin/python3 notebooks/pspnet/make_fixtures.py --val /tmp/synth-val '
                      '--model notebooks/models/pspnet-tiny-synth-cityscapes.pt '
                      '--output src/test/resources/fixtures/inference',
        'model': os.path.relpath(os.path.abspath(a.model), REPO),
        'model_sha256': export.sha256(a.model),
        'torch_version': torch.__version__,
        'classes': classes,
        'class_names': class_names,
        'normalisation': {'mean': protocol.MEAN, 'std': protocol.STD, 'channel_order': 'RGB',
                          'formula': '(x - mean[c]) / std[c], x = RGB value 0..255 as float32'},
        'formats': {
            'image': '8-bit RGB PNG',
            'labels': '8-bit grayscale PNG, pixel value = train id (argmax, ties -> lowest id)',
            'gap': 'raw float32 little-endian, height*width values, row-major (index y*width + x), no header; '
                   'value = p(top1) - p(top2) of the final probabilities (>= 0)',
            'logits': 'raw float32 little-endian, NCHW row-major (C order), no header',
        },
        'protocol': {
            'resize': 'bilinear, align_corners=False (half-pixel, = cv2.INTER_LINEAR without antialias), float32; '
                      'same-size resize = identity',
            'scaled_size': 'long = round_half_even(scale*base_size); if h > w: new_h = long, '
                           'new_w = round_half_even(long/(double)h*w) else new_w = long, '
                           'new_h = round_half_even(long/(double)w*h)',
            'order': 'resize raw RGB (0..255 float) to the scaled size -> normalise -> pad with 0 (centred: '
                     'top = pad_h // 2, bottom = pad_h - top, same for left/right) to at least crop size',
            'windows': 'stride = ceil(crop * (2.0/3.0)); grid = ceil((padded - crop) / stride) + 1; start = '
                       'i*stride, end = min(start + crop, padded), start = end - crop; softmax probabilities '
                       'summed and divided by the per-pixel window count',
            'flip': {'none': 'softmax(model(x))',
                     'semseg': '(softmax(model(x)) + flipW(softmax(model(flipW(x))))) / 2',
                     'caffe': 'softmax(model(x) + flipW(model(flipW(x))))'},
            'per_scale': 'crop the padding off, resize the probabilities (bilinear, align_corners=False) to the '
                         'original image size; sum over scales, divide by the number of scales; argmax',
            'arithmetic': 'float32 throughout; a Java implementation may differ where the gap is ~1e-6 or '
                          'less, so compare labels only where gap > 1e-4 and gaps with an absolute tolerance '
                          'of ~1e-4',
        },
        'images': [{k: v for k, v in im.items() if k != 'array'} for im in images],
        'cases': cases,
        'logits': {
            'input': 'logits-input-1x3x65x65.f32', 'input_shape': [1, 3, 65, 65],
            'output': 'logits-output-1x19x65x65.f32', 'output_shape': [1, classes, 65, 65],
            'input_source': 'normalised crop of %s, rows %d..%d, cols %d..%d' % (
                images[idx]['file'], top, top + ch - 1, left, left + cw - 1),
            'tolerance': 1e-4,
        },
    }
    with open(os.path.join(a.output, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(a.output, n)) for n in os.listdir(a.output))
    print('wrote %d files, %d bytes in %s' % (len(os.listdir(a.output)), total, a.output))


if __name__ == '__main__':
    main()
