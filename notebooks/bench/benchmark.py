#!/usr/bin/python3
"""jobs/benchmark.sh: every speed figure of the project in one run, with its goal beside it, into a dated Markdown
and CSV file under benchmark-results/ and the README's benchmark table.

Each row measures the project against a baseline in the same run (ratios: this machine is noisy): the pixel core
against NumPy's bincount (JMH), the full ResNet-50 PSPNet against the plain PyTorch loop of semseg's test.py
(notebooks/bench/semseg_loop.py: same protocol, same thread count, predictions compared pixel by pixel), bf16
against fp32, and the demo's wall time. --quick runs the rows that take minutes; the full run adds the paper's
multi-scale test, a full-size Cityscapes image, the 100,000-image listing runs and the driver's heap over whole
spark-submit runs on a standalone cluster.

Debian's python3 with python3-torch, python3-numpy and python3-pil; Maven and Java for the project.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = '/usr/bin/python3'


def log(msg):
    print('[benchmark] ' + msg, file=sys.stderr, flush=True)


def timed(cmd, env=None, stdout_file=None):
    """Runs cmd; returns (wall seconds, peak RSS MB of the process tree's largest process, stdout)."""
    rss_file = os.path.join(WORK, 'rss.txt')
    full = ['/usr/bin/time', '-f', '%M', '-o', rss_file] + cmd
    log('$ ' + ' '.join(cmd))
    t = time.perf_counter()
    p = subprocess.run(full, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-4000:] + p.stderr[-4000:])
        raise SystemExit('benchmark step failed (exit %d): %s' % (p.returncode, ' '.join(cmd)))
    with open(rss_file) as f:
        rss = int(f.read().split()[-1]) / 1024
    return wall, rss, p.stdout


def machine():
    model = ''
    for line in subprocess.run(['lscpu'], stdout=subprocess.PIPE, text=True).stdout.splitlines():
        if line.startswith('Model name:'):
            model = line.split(':', 1)[1].strip()
    mem = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2 ** 30
    java = subprocess.run(['java', '-version'], stderr=subprocess.PIPE, text=True).stderr.splitlines()[0]
    import torch
    flags = open('/proc/cpuinfo').read()
    return '%s (%s), %d cores, %.0f GiB, %s; %s; Debian torch %s; AVX512-BF16 %s' % (
        platform.machine(), model, os.cpu_count(), mem, platform.platform(), java, torch.__version__,
        'yes' if 'avx512_bf16' in flags else 'no')


def segeval(*args):
    return [os.path.join(ROOT, 'jobs', 'segeval.sh')] + list(args)


def evaluate(*args):
    return [os.path.join(ROOT, 'jobs', 'evaluate.sh')] + list(args)


def summary(out_dir):
    with open(os.path.join(out_dir, 'summary.json')) as f:
        return json.load(f)


def agreement(dir_a, dir_b):
    """Fraction of pixels equal in the same-named PNGs of two folders."""
    same = total = 0
    names = sorted(os.listdir(dir_a))
    if not names or sorted(os.listdir(dir_b)) != names:
        raise SystemExit('prediction folders differ: %s vs %s' % (dir_a, dir_b))
    for n in names:
        a = np.array(Image.open(os.path.join(dir_a, n)))
        b = np.array(Image.open(os.path.join(dir_b, n)))
        same += int((a == b).sum())
        total += a.size
    return same / total


ROWS = []


def row(what, measured, ratio, goal, met, detail=''):
    ROWS.append({'what': what, 'measured': measured, 'ratio': ratio, 'goal': goal,
                 'met': 'yes' if met is True else ('no' if met is False else met), 'detail': detail})
    log('%s: %s (%s) goal %s -> %s' % (what, measured, ratio, goal, ROWS[-1]['met']))


def ensure_model(dataset='ade20k'):
    model = os.path.join(WORK, dataset + '-psp50.pt')
    if not os.path.exists(model):
        timed([PY, 'notebooks/pspnet/export.py', '--layers', '50', '--dataset', dataset, '--weights', 'none',
               '--output', model])
    return model


def ensure_ade(name, images, width, height, seed):
    root = os.path.join(WORK, name)
    if not os.path.isdir(os.path.join(root, 'ade20k')):
        timed(segeval('synth', '--dataset', 'ade20k', '--output', root, '--images', str(images), '--width',
                      str(width), '--height', str(height), '--seed', str(seed)))
    return os.path.join(root, 'ade20k')


def model_vs_python(label, model, data, protocol_args, py_args, goal=1.2, precision_rows=False):
    """The project's evaluate with default options against the Python loop on the same images and protocol."""
    images = os.path.join(data, 'ADEChallengeData2016', 'images', 'validation')
    tag = re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')
    py_out = os.path.join(WORK, tag + '-python')
    wall_py, rss_py, out = timed([PY, 'notebooks/bench/semseg_loop.py', '--model', model, '--images', images,
                                  '--out', py_out, '--classes', '150', '--threads', str(os.cpu_count())] + py_args)
    py = json.loads(out.strip().splitlines()[-1])
    results = {}
    for precision in (['fp32', 'bf16'] if precision_rows else ['fp32']):
        out_dir = os.path.join(WORK, tag + '-' + precision)
        wall, rss, _ = timed(evaluate('--dataset', 'ade20k', '--data-root', data, '--model', model, '--output',
                                      out_dir, '--save-predictions', out_dir + '/pred', '--precision', precision,
                                      '--quiet', '--run-id', 'bench') + protocol_args)
        s = summary(out_dir)
        results[precision] = (wall, rss, s['timings']['scoringSeconds'], out_dir + '/pred/ids')
    wall, rss, scoring, pred = results['fp32']
    equal = agreement(py_out, pred)
    ratio = py['loop_seconds'] / scoring
    row(label + ': project defaults vs semseg-style PyTorch loop (%d threads)' % os.cpu_count(),
        'Python loop %.1f s (wall %.1f s, RSS %.0f MB); project scoring %.1f s (wall %.1f s, RSS %.0f MB); '
        'pixels equal %.4f %%' % (py['loop_seconds'], wall_py, rss_py, scoring, wall, rss, 100 * equal),
        '%.2fx' % ratio, '>= %.1fx' % goal, ratio >= goal)
    if precision_rows:
        wall16, rss16, scoring16, pred16 = results['bf16']
        agree = agreement(pred, pred16)
        row(label + ': --precision bf16 vs fp32 (opt-in)',
            'scoring %.1f s vs %.1f s; RSS %.0f vs %.0f MB; pixels equal to fp32 %.2f %% (random weights: '
            'near-tied logits)' % (scoring16, scoring, rss16, rss, 100 * agree),
            '%.2fx' % (scoring / scoring16), 'speed-up and agreement reported', 'reported')


def core(quick):
    out = os.path.join(WORK, 'core.md')
    timed([os.path.join(ROOT, 'jobs', 'bench-core.sh')] + (['--quick'] if quick else []) + ['--output', out])
    with open(out[:-3] + '.csv') as f:
        rows = list(csv.DictReader(f))
    figures = {(r['images'], r['path']): r for r in rows}
    inst = figures[('scenes', 'project core (JMH), confusion + Cityscapes instances')]
    conf = figures[('scenes', 'project core (JMH), confusion only')]
    noise = figures[('noise', 'project core (JMH), confusion + Cityscapes instances')]
    numpy_mpx = float(figures[('scenes', 'NumPy bincount, confusion only')]['mpixels_per_s'])
    row('confusion core with Cityscapes instances, scene-like 2048x1024 maps (JMH, 1 thread)',
        '%.0f Mpx/s (salt-and-pepper worst case %.0f)' % (float(inst['mpixels_per_s']),
                                                          float(noise['mpixels_per_s'])),
        '-', '>= 1500 Mpx/s per core', float(inst['mpixels_per_s']) >= 1500)
    row('confusion core vs NumPy bincount on the same arrays',
        'confusion only %.0f Mpx/s, with instances %.0f; NumPy %.0f' % (float(conf['mpixels_per_s']),
                                                                        float(inst['mpixels_per_s']), numpy_mpx),
        '%sx / %sx' % (conf['ratio_to_numpy'], inst['ratio_to_numpy']), '>= 8x',
        'confusion only' if float(conf['ratio_to_numpy']) >= 8 > float(inst['ratio_to_numpy'])
        else float(inst['ratio_to_numpy']) >= 8)


def demo():
    timed([os.path.join(ROOT, 'jobs', 'demo.sh'), '--quiet'])  # warms the machine (build, data, page cache)
    wall, rss, _ = timed([os.path.join(ROOT, 'jobs', 'demo.sh'), '--quiet'])
    s = summary(os.path.join(ROOT, 'target', 'demo', 'results'))
    t = s['timings']
    row('demo (jobs/demo.sh, 24 images, tiny model), warm', '%.1f s wall: listing %.1f, scoring %.1f, writing %.1f'
        % (wall, t['listingSeconds'], t['scoringSeconds'], t['writingSeconds']), '-', '<= 10 s', wall <= 10)


def listing_run(images=100000):
    root = os.path.join(WORK, 'big%dk' % (images // 1000))
    if not os.path.isdir(os.path.join(root, 'cityscapes')):
        timed(segeval('synth', '--dataset', 'cityscapes', '--output', root, '--images', str(images), '--width', '64',
                      '--height', '32', '--seed', '3'))
    out = os.path.join(WORK, 'big%dk-out' % (images // 1000))
    wall, rss, _ = timed(evaluate('--dataset', 'cityscapes', '--data-root', root + '/cityscapes', '--predictions',
                                  root + '/cityscapes-predictions', '--output', out, '--quiet', '--run-id', 'bench'))
    t = summary(out)['timings']
    share = (t['listingSeconds'] + t['writingSeconds']) / t['totalSeconds']
    row('%d images 64x32 with predictions, local file system' % images,
        'listing %.1f s, scoring %.1f s, writing %.1f s, total %.1f s (driver RSS %.0f MB)' % (
            t['listingSeconds'], t['scoringSeconds'], t['writingSeconds'], t['totalSeconds'], rss),
        'listing+writing %.0f %%' % (100 * share), '<= 10 % of wall (at 100,000 images)', share <= 0.10)


def driver_heap(sizes=(5000, 20000, 100000)):
    """The driver's heap over whole spark-submit runs on a standalone cluster on loopback, by image count."""
    roots = []
    for images in sizes:
        root = os.path.join(WORK, 'big%dk' % (images // 1000))
        if not os.path.isdir(os.path.join(root, 'cityscapes')):
            timed(segeval('synth', '--dataset', 'cityscapes', '--output', root, '--images', str(images), '--width',
                          '64', '--height', '32', '--seed', '3'))
        roots.append(root)
    md = os.path.join(WORK, 'driver-heap.md')
    if os.path.exists(md):
        os.remove(md)
    timed(['mvn', '-B', '-o', '-q', 'test', '-Dgroups=benchmark', '-Dtest=DriverHeapBenchmark',
           '-Dsurefire.failIfNoSpecifiedTests=false', '-Dsegeval.memory.roots=' + ','.join(roots),
           '-Dsegeval.results=' + md])
    text = open(md).read()
    peaks = [float(m.group(2)) for m in re.finditer(r'^\| (\d+) \| ([0-9.]+) \|', text, re.M)]
    growth = max(peaks) / min(peaks)
    row('driver heap over whole spark-submit runs (standalone cluster, 2 Workers), %s images 64x32 with predictions'
        % ' / '.join('{:,}'.format(n) for n in sizes),
        'peak after GC ' + ' / '.join('%.0f MB' % p for p in peaks),
        '%.2f (largest / smallest)' % growth, 'flat in the image count (within 10 %)', growth <= 1.10)


def demo_vs_python(images=480):
    """The demo model over many images: the project's Python reference loop against jobs/evaluate.sh, whole process."""
    root = os.path.join(WORK, 'demo%d' % images)
    if not os.path.isdir(os.path.join(root, 'cityscapes')):
        timed(segeval('synth', '--dataset', 'cityscapes', '--output', root, '--images', str(images), '--width', '512',
                      '--height', '256', '--seed', '7'))
    wall_py, rss_py, out = timed([PY, 'notebooks/pspnet/evaluate_synth.py', '--model',
                                  'notebooks/models/pspnet-tiny-synth-cityscapes.pt', '--data', root, '--split', 'val',
                                  '--threads', str(os.cpu_count())])
    miou_py = float(re.search(r'^mIoU ([0-9.]+)', out, re.M).group(1))
    out_dir = os.path.join(WORK, 'demo%d-out' % images)
    wall, rss, _ = timed(evaluate('--config', 'conf/datasets/cityscapes.properties', '--config',
                                  'conf/models/pspnet-tiny-synth-cityscapes.properties', '--data-root',
                                  root + '/cityscapes', '--output', out_dir, '--quiet', '--run-id', 'bench'))
    s = summary(out_dir)
    t = s['timings']
    miou = s['metrics']['mIoU']
    ratio = wall_py / wall
    row('demo model, %d images 512x256: Python reference loop (evaluate_synth.py) vs jobs/evaluate.sh, whole '
        'process' % images,
        'Python %.1f s wall; project %.1f s wall (scoring %.1f, writing %.1f); mIoU %.4f vs %.4f' % (
            wall_py, wall, t['scoringSeconds'], t['writingSeconds'], miou_py, miou),
        '%.2fx' % ratio, '>= 2x wall', ratio >= 2)


def bench_inference(model, label, images, width, height, crop, base, flip, extra=()):
    """Spark job end to end against the bare predictor on pre-decoded images, same JVM (bench-inference)."""
    out = os.path.join(WORK, 'inference-%s.md' % re.sub(r'[^a-z0-9]+', '-', label.lower()))
    if os.path.exists(out):
        os.remove(out)
    timed(segeval('bench-inference', '--model', model, '--label', label, '--images', str(images), '--width',
                  str(width), '--height', str(height), '--crop-size', crop, '--base-size', str(base), '--flip', flip,
                  '--output', out, *extra))
    text = open(out).read()
    job = float(re.search(r'\| Spark job local\[\d+\] end to end[^|]*\| [0-9.]+ \| [0-9.]+ \| ([0-9.]+) \|',
                          text).group(1))
    stage = float(re.search(r'\| Spark scoring stage only \| [0-9.]+ \| [0-9.]+ \| ([0-9.]+) \|', text).group(1))
    cpu = re.search(r'\(([0-9.]+) x the bare pass\'s\); cores busy: bare ([0-9.]+), job ([0-9.]+) of', text)
    return job, stage, 'job CPU %sx the bare pass\'s, cores busy: bare %s, job %s' % cpu.groups()


def inference_efficiency(full=False):
    job, stage, cpu = bench_inference('notebooks/models/pspnet-tiny-synth-cityscapes.pt', 'demo model, 96 images',
                                      96, 512, 256, '257x513', 512, 'none')
    row('Spark job vs bare predictor on pre-decoded images, demo model, 96 images (bench-inference)',
        'end to end %.2f, scoring stage %.2f of the best bare predictor; %s' % (job, stage, cpu), '%.2f' % job,
        '>= 0.85', job >= 0.85)
    if full:
        job, stage, cpu = bench_inference(ensure_model('cityscapes'), 'ResNet-50 PSPNet, 4 images', 4, 512, 256, '473', 512, 'average',
                                     ['--batch-size', '1', '--threads', '1', '--intra-op-threads',
                                      str(os.cpu_count()), '--rounds', '1', '--warmup-jobs', '1'])
        row('Spark job vs bare predictor, ResNet-50 PSPNet, 4 images (bench-inference)',
            'end to end %.2f, scoring stage %.2f of the best bare predictor; %s' % (job, stage, cpu), '%.2f' % job,
            '>= 0.95', job >= 0.95)


def scaling():
    csv_path = os.path.join(WORK, 'scaling.csv')
    md_path = os.path.join(ROOT, 'benchmark-results', 'scaling.md')
    timed(['mvn', '-B', '-o', '-q', 'test', '-Dgroups=benchmark', '-Dtest=ClusterScalingBenchmark',
           '-Dsurefire.failIfNoSpecifiedTests=false', '-Dsegeval.results=' + md_path,
           '-Dsegeval.results.csv=' + csv_path])
    with open(csv_path) as f:
        runs = list(csv.DictReader(f))
    sixteen = runs[2]
    ratio16 = float(sixteen['per_image_ratio_to_1x'])
    row('scaling: demo model, local[2], 1x / 4x / 16x images (%s / %s / %s)' % tuple(r['images'] for r in runs[:3]),
        'scoring %s / %s / %s s; per image relative to 1x: %s / %s' % (
            runs[0]['scoring_seconds'], runs[1]['scoring_seconds'], runs[2]['scoring_seconds'],
            runs[1]['per_image_ratio_to_1x'], runs[2]['per_image_ratio_to_1x']),
        '%.2f' % ratio16, 'linear within 10 %', abs(ratio16 - 1) <= 0.10 or ratio16 < 1)
    local, cluster = runs[1], runs[3]
    ratio = float(local['scoring_seconds']) / float(cluster['scoring_seconds'])
    row('standalone cluster (2 Workers x 1 core, loopback) vs local[2], %s images' % cluster['images'],
        'scoring %s s vs %s s; process wall %s s vs %s s' % (cluster['scoring_seconds'], local['scoring_seconds'],
                                                             cluster['wall_seconds'], local['wall_seconds']),
        '%.2fx' % ratio, 'reported (same cores)', 'reported')


def rss_over_images(model, images=10000):
    """Peak RSS of the process over a long run with the full model, sampled: is it flat in the image count?"""
    root = os.path.join(WORK, 'ade%d-small' % images)
    if not os.path.isdir(os.path.join(root, 'ade20k')):
        timed(segeval('synth', '--dataset', 'ade20k', '--output', root, '--images', str(images), '--width', '64',
                      '--height', '48', '--seed', '9'))
    out_dir = os.path.join(WORK, 'ade%d-small-out' % images)
    cmd = evaluate('--dataset', 'ade20k', '--data-root', root + '/ade20k', '--model', model, '--base-size', '64',
                   '--crop-size', '65', '--flip', 'none', '--output', out_dir, '--quiet', '--run-id', 'bench')
    log('$ ' + ' '.join(cmd))
    t0 = time.perf_counter()
    # stderr into a file, not a pipe: nobody reads a pipe while the job runs, and once its 64 KB fill up the job's
    # progress lines (and PyTorch's native warnings) block every thread that writes them (the run hung for 11 min).
    # The file is also read while the job runs: its progress lines say how many images were scored at each RSS
    # sample, and "[segeval] scored N images" marks the end of the scoring stage. (Deriving the stage from
    # summary.json's timings put the quarters a few seconds late: the process outlives its summary, so the last
    # quarter took in the start of the write phase.)
    err_path = os.path.join(WORK, 'rss-over-images.stderr')
    with open(err_path, 'w') as err_out:
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err_out, text=True)
    samples = []  # (seconds, RSS MB, images scored, phase)
    done, phase = 0, 'starting'
    pending = ''  # a line the job has not finished writing yet
    try:
        with open(err_path) as err_in:
            while True:
                running = p.poll() is None
                *lines, pending = (pending + err_in.read()).split('\n')
                for line in lines:
                    m = re.search(r'\[segeval\] (\d+)/\d+ images \(', line)
                    if m and phase != 'writing':
                        done, phase = int(m.group(1)), 'scoring'
                    elif re.search(r'\[segeval\] scored \d+ images in', line):
                        done, phase = images, 'writing'
                if not running:
                    break
                rss = 0
                for pid in [p.pid] + children(p.pid):
                    try:
                        with open('/proc/%d/status' % pid) as f:
                            rss += int(re.search(r'VmRSS:\s+(\d+)', f.read()).group(1))
                    except (OSError, AttributeError):
                        pass
                samples.append((time.perf_counter() - t0, rss / 1024, done, phase))
                time.sleep(1)
    finally:
        if p.poll() is None:  # this step failed: stop the job it started (its own child, by pid)
            p.kill()
            p.wait()
    if p.returncode != 0:
        sys.stderr.write(open(err_path).read()[-4000:])
        raise SystemExit('benchmark step failed: ' + ' '.join(cmd))
    t = summary(out_dir)['timings']
    with open(os.path.join(WORK, 'rss-over-images.tsv'), 'w') as f:
        f.write('seconds\trss_mb\timages_scored\tphase\n')
        for s in samples:
            f.write('%.1f\t%.0f\t%d\t%s\n' % s)
    # Quarters of the image count: the peak RSS while the first quarter of the images was being scored, and so on.
    # Samples before the first progress line (start-up, listing, the first seconds of scoring) are in no quarter.
    quarters = []
    for q in range(4):
        lo, hi = images * q / 4, images * (q + 1) / 4
        quarters.append(max([m for (_, m, n, ph) in samples
                             if ph == 'scoring' and (lo <= n < hi or (q == 3 and n == hi))] or [0]))
    after = max([m for (_, m, _, ph) in samples if ph == 'writing'] or [0])
    growth = quarters[3] / quarters[1] if quarters[1] else float('nan')
    row('peak RSS over %d images with the ResNet-50 PSPNet (64x48, crop 65, no flip), by quarter of the images '
        'scored (one JVM: driver and executor)' % images,
        '%s MB while scoring; %.0f MB afterwards (reading back, aggregating and writing %d images/ rows); %.1f '
        'images/s' % (' / '.join('%.0f' % q for q in quarters), after, images, images / t['scoringSeconds']),
        '%.2f (4th / 2nd quarter)' % growth, 'flat (within 10 %)', growth <= 1.10)


def children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        return []
    out = list(kids)
    for k in kids:
        out += children(k)
    return out


def s3_scale():
    def run(name, *props):
        md = os.path.join(WORK, name + '.md')
        if os.path.exists(md):
            os.remove(md)
        timed(['mvn', '-B', '-o', '-q', 'test', '-Dgroups=benchmark', '-Dtest=S3ScaleBenchmark',
               '-Dsurefire.failIfNoSpecifiedTests=false', '-Dsegeval.results=' + md] + list(props))
        return open(md).read()

    def value(text, name):
        return float(re.search(r'\| %s \| ([0-9.]+)' % re.escape(name), text).group(1))

    # S3Proxy answering at loopback speed: the share of listing and writing.
    text = run('s3scale', '-Dsegeval.s3scale.latency-ms=0')
    listing, scoring, writing = (value(text, 'evaluate: listing and matching'), value(text, 'evaluate: scoring'),
                                 value(text, 'evaluate: writing tables'))
    total = value(text, 'evaluate: total')
    share = (listing + writing) / total
    row('s3a: 10,000 images (30,000 objects) on S3Proxy, loopback',
        'listing and matching %.1f s, scoring %.1f s, writing %.1f s, total %.1f s' % (listing, scoring, writing,
                                                                                       total),
        'listing+writing %.0f %%' % (100 * share), '<= 10 % of wall (at 100,000 images)', share <= 0.10)
    # With S3's request latency (a relay holding each request 20 ms): read-ahead against none.
    text = run('s3latency', '-Dsegeval.s3scale.copies=2', '-Dsegeval.s3scale.latency-ms=20')
    with_ra = value(text, 'evaluate: scoring')
    without = float(re.search(r'\| evaluate with --read-ahead 0: listing, scoring, writing \| [0-9.]+ s, ([0-9.]+) s',
                              text).group(1))
    row('s3a with 20 ms per request, 1,000 images: scoring with --read-ahead 8 vs without (the default)',
        'scoring %.1f s vs %.1f s' % (with_ra, without), '%.2fx' % (without / with_ra),
        'overlap reading with scoring (bounded prefetch)', 'reported')


def guarded(step, *args):
    """Runs one benchmark step; a failure becomes a row saying so, and the other rows still run."""
    try:
        step(*args)
    except (SystemExit, Exception) as e:  # noqa: B902 - any failure of a step is reported, not fatal
        row('%s: FAILED' % step.__name__, str(e).replace('|', '/')[:300], '-', '-', 'failed')


def write(quick, started, seconds, only=None):
    date = datetime.date.today().isoformat()
    # --only runs are named by their steps, so that two of them on one day do not overwrite each other.
    name = 'benchmark-%s%s' % (date, ('-only-' + only.replace(',', '-')) if only else ('-quick' if quick else ''))
    md_path = os.path.join(ROOT, 'benchmark-results', name + '.md')
    command = 'jobs/benchmark.sh' + (' --quick' if quick else '') + (' --only ' + only if only else '')
    table = ['| what | measured | ratio | goal | met |', '|---|---|---:|---|---|']
    for r in ROWS:
        table.append('| %s | %s | %s | %s | %s |' % (r['what'], r['measured'], r['ratio'], r['goal'], r['met']))
    lines = ['## Benchmark, %s' % started, '', 'Command: `%s` (%.0f s in all)  ' % (command, seconds),
             'Machine: %s' % machine(), ''] + table + [
        '', 'Ratios are baseline time / project time measured in the same run, one after the other. "Python loop" '
        'is notebooks/bench/semseg_loop.py (semseg tool/test.py style, same protocol and threads); the project '
        'runs `jobs/evaluate.sh` with default options (protocol from the model card). The ResNet-50 PSPNet has '
        'random weights (`notebooks/pspnet/export.py --layers 50 --dataset ade20k --weights none`).']
    with open(md_path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(md_path[:-3] + '.csv', 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=['date', 'what', 'measured', 'ratio', 'goal', 'met'])
        w.writeheader()
        for r in ROWS:
            w.writerow({'date': started, **{k: r[k] for k in ('what', 'measured', 'ratio', 'goal', 'met')}})
    readme = os.path.join(ROOT, 'README.md')
    text = open(readme).read()
    begin, end = '<!-- benchmark:begin -->', '<!-- benchmark:end -->'
    if begin in text and end in text and not only:
        block = '%s\nLatest `%s` (%s, `benchmark-results/%s.md`):\n\n%s\n%s' % (
            begin, command, date, name, '\n'.join(table), end)
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
        with open(readme, 'w') as f:
            f.write(text)
    print('\n'.join(lines))
    log('wrote %s and .csv' % md_path)


def main():
    global WORK
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--quick', action='store_true', help='the rows that take minutes (about 6 minutes in all)')
    ap.add_argument('--work-dir', default=os.path.join(ROOT, 'target', 'bench'))
    ap.add_argument('--only', metavar='STEP[,STEP]', help='run only these steps (e.g. rss_over_images,scaling) into '
                    'benchmark-<date>-only.md, leaving the README alone')
    a = ap.parse_args()
    WORK = a.work_dir
    os.makedirs(WORK, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    t0 = time.perf_counter()
    timed(segeval('--version'))  # builds the jar first, outside any timing
    if a.only:
        steps = {'core': (core, a.quick), 'rss_over_images': (rss_over_images, ensure_model()), 'scaling': (scaling,),
                 'listing_run': (listing_run,), 's3_scale': (s3_scale,), 'demo': (demo,),
                 'driver_heap': (driver_heap,),
                 'demo_vs_python': (demo_vs_python,), 'inference_efficiency': (inference_efficiency, not a.quick)}
        for name in a.only.split(','):
            if name not in steps:
                raise SystemExit('--only: unknown step %s (known: %s)' % (name, ', '.join(sorted(steps))))
            guarded(*steps[name])
        write(a.quick, started, time.perf_counter() - t0, only=a.only)
        return
    guarded(core, a.quick)
    model = ensure_model()
    ade4 = ensure_ade('ade4', 4, 512, 256, 5)
    guarded(model_vs_python, 'ResNet-50 PSPNet, 4 images 512x256, crop 473, single scale + flip', model, ade4, [],
            ['--crop', '473', '473', '--base-size', '512', '--scales', '1.0', '--flip', 'semseg'], 1.2, True)
    if not a.quick:
        guarded(model_vs_python, 'same, paper multi-scale 0.5-1.75 + flip', model, ade4,
                ['--scales', '0.5,0.75,1.0,1.25,1.5,1.75'],
                ['--crop', '473', '473', '--base-size', '512', '--scales', '0.5', '0.75', '1.0', '1.25', '1.5',
                 '1.75', '--flip', 'semseg'])
        ade1 = ensure_ade('ade1', 1, 2048, 1024, 4)
        guarded(model_vs_python, 'one full-size 2048x1024 image, base 2048, crop 713, single scale + flip', model,
                ade1, ['--base-size', '2048', '--crop-size', '713'],
                ['--crop', '713', '713', '--base-size', '2048', '--scales', '1.0', '--flip', 'semseg'])
    guarded(demo)
    guarded(demo_vs_python)
    guarded(inference_efficiency, not a.quick)
    if not a.quick:
        guarded(rss_over_images, model)
        guarded(scaling)
        guarded(listing_run)
        guarded(s3_scale)
        guarded(driver_heap)
    write(a.quick, started, time.perf_counter() - t0)


if __name__ == '__main__':
    main()
