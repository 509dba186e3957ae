"""Writes the two notebooks (per_class_iou.ipynb, nightly_trends.ipynb) from the cells below, without outputs.

The cells live here so that a change to a notebook is a reviewable diff; regenerate after editing:
    /usr/bin/python3 notebooks/make_notebooks.py            # (needs python3-nbformat, a dependency of nbconvert)
Run them with notebooks/run_notebooks.sh.
"""
import nbformat as nbf

def nb(cells):
    n = nbf.v4.new_notebook()
    n.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                  "language_info": {"name": "python"}}
    n.cells = [nbf.v4.new_markdown_cell(c[1]) if c[0] == 'md' else nbf.v4.new_code_cell(c[1]) for c in cells]
    return n

common = '''import os, sys
REPO = os.path.abspath(os.environ.get('SEGEVAL_REPO', '..'))
sys.path.insert(0, os.path.join(REPO, 'notebooks'))
import matplotlib
matplotlib.use('Agg')  # headless runs (nbconvert); inline display still works in Jupyter
import matplotlib.pyplot as plt
import pandas as pd
import segeval_data as sd
FIGURES = os.path.abspath(os.environ.get('SEGEVAL_FIGURES', os.path.join(REPO, 'target', 'notebook-figures')))
os.makedirs(FIGURES, exist_ok=True)
print('Parquet engine:', sd.parquet_engine() or "none: tables are read through 'segeval show'")'''

per_class = nb([
 ('md', '''# Per-class IoU of a run, against the reported numbers

Opens one `evaluate` run (its `classes/` table and `runs/<run id>/summary.json`) and plots every class's IoU
beside the numbers the model was published with: the per-class IoU in the model card
(`validation.per_class_iou`, written by the export or training script), and, when a `tables` output is given,
each table row's reported against measured mIoU.

Parameters (environment variables, so that `jupyter nbconvert --execute` can set them):

| variable | default | what |
|---|---|---|
| `SEGEVAL_OUTPUT` | `target/demo/results` | the run's `--output` |
| `SEGEVAL_RUN_ID` | `demo` | the run id |
| `SEGEVAL_MODEL` | `notebooks/models/pspnet-tiny-synth-cityscapes.pt` | the model, for its card |
| `SEGEVAL_TABLES` | `target/tables` | a `tables --output` (skipped when missing) |
| `SEGEVAL_FIGURES` | `target/notebook-figures` | where the PNGs go |'''),
 ('code', common),
 ('code', '''OUTPUT = os.path.join(REPO, os.environ.get('SEGEVAL_OUTPUT', 'target/demo/results'))
RUN_ID = os.environ.get('SEGEVAL_RUN_ID', 'demo')
MODEL = os.path.join(REPO, os.environ.get('SEGEVAL_MODEL', 'notebooks/models/pspnet-tiny-synth-cityscapes.pt'))
TABLES = os.path.join(REPO, os.environ.get('SEGEVAL_TABLES', 'target/tables'))

summary = sd.read_summary(OUTPUT, RUN_ID)
classes = sd.read_table(os.path.join(OUTPUT, 'classes'), where="run_id = '%s'" % RUN_ID)
classes = classes.sort_values('class_index').reset_index(drop=True)
print(summary['dataset'], summary['split'], 'run', RUN_ID, ':', summary['images']['ok'], 'images scored')
print('mIoU %.4f  pixel accuracy %.4f  iIoU %s' % (summary['metrics']['mIoU'], summary['metrics']['pixelAccuracy'],
      summary['metrics'].get('iIoU')))
classes[['name', 'iou', 'accuracy', 'iiou', 'gt_pixels']]'''),
 ('md', '''The table and the summary are two writings of the same run: per class they hold the same IoU, and with absent
classes excluded (the default policy) the mean of the defined IoU is the run's mIoU; otherwise this notebook is
reading the wrong run.'''),
 ('code', '''for c, row in zip(summary['classes'], classes.itertuples()):
    assert c['name'] == row.name and (c['iou'] is None) == pd.isna(row.iou), (c, row)
    assert c['iou'] is None or c['iou'] == row.iou, (c['name'], c['iou'], row.iou)
defined = classes['iou'].dropna()
if summary['absentClassPolicy'] == 'exclude':
    assert abs(defined.mean() - summary['metrics']['mIoU']) < 1e-12, (defined.mean(), summary['metrics']['mIoU'])
card = sd.read_card(MODEL) or {}
reported = (card.get('validation') or {}).get('per_class_iou') or {}
classes['reported_iou'] = classes['name'].map(reported)
print('model card:', MODEL if card else 'none', '| reported per-class values:', classes['reported_iou'].notna().sum())'''),
 ('code', '''fig, ax = plt.subplots(figsize=(8, 0.32 * len(classes) + 1.4))
y = range(len(classes))
ax.barh(list(y), classes['iou'].fillna(0) * 100, color=['#4c78a8' if v == v else '#dddddd' for v in classes['iou']],
        label='measured (%s)' % RUN_ID)
if classes['reported_iou'].notna().any():
    ax.scatter(classes['reported_iou'] * 100, list(y), marker='|', s=220, color='#e45756', zorder=3,
               label='reported (model card)')
for i, v in enumerate(classes['iou']):
    ax.text(1, i, 'absent' if v != v else '', va='center', fontsize=8, color='#777777')
ax.set_yticks(list(y))
ax.set_yticklabels(classes['name'])
ax.invert_yaxis()
ax.set_xlim(0, 100)
ax.set_xlabel('IoU (%)')
m = summary['metrics']['mIoU'] * 100
title = '%s %s, run %s: mIoU %.2f' % (summary['dataset'], summary['split'], RUN_ID, m)
if card.get('validation', {}).get('mIoU') is not None:
    title += ' (reported %.2f)' % (card['validation']['mIoU'] * 100)
ax.set_title(title)
ax.axvline(m, color='#4c78a8', linestyle=':', linewidth=1)
ax.legend(loc='lower right')
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, 'per-class-iou.png'), dpi=110)
print('written', os.path.join(FIGURES, 'per-class-iou.png'))'''),
 ('md', '''## A table: reported against measured

Rows of a `tables` output that were measured, with the published number beside the measured one.'''),
 ('code', '''table_dir = os.path.join(TABLES, 'table')
if os.path.isdir(table_dir):
    table = sd.read_table(table_dir)
    shown = table[['table', 'row', 'method', 'state', 'reported_miou', 'measured_miou']]
    measured = table[table['state'] == 'measured'].copy()
    if len(measured):
        fig, ax = plt.subplots(figsize=(7, 0.5 * len(measured) + 1.5))
        yy = range(len(measured))
        ax.barh([v - 0.2 for v in yy], measured['measured_miou'] * 100, height=0.4, label='measured', color='#4c78a8')
        ax.barh([v + 0.2 for v in yy], measured['reported_miou'].fillna(0) * 100, height=0.4, label='reported',
                color='#e45756')
        for i, v in enumerate(measured['reported_miou']):
            if v != v:
                ax.text(1, i + 0.2, 'no reported number', va='center', fontsize=8, color='#777777')
        ax.set_yticks(list(yy))
        ax.set_yticklabels(measured['row'])
        ax.invert_yaxis()
        ax.set_xlabel('mIoU (%)')
        ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0))
        ax.set_title('tables: reported vs measured')
        fig.tight_layout()
        fig.savefig(os.path.join(FIGURES, 'table-reported-vs-measured.png'), dpi=110)
else:
    shown = 'no tables output at %s' % TABLES
shown'''),
])

trends = nb([
 ('md', '''# Nightly trends

Opens a nightly suite's output (`history/` and `baselines/` tables, written by `jobs/nightly.sh`) and plots every
entry's headline metrics night by night, with the promoted baseline nights ringed and regressions in red.

| variable | default | what |
|---|---|---|
| `SEGEVAL_NIGHTLY` | `target/nightly` | the suite's `output` |
| `SEGEVAL_FIGURES` | `target/notebook-figures` | where the PNGs go |'''),
 ('code', common),
 ('code', '''NIGHTLY = os.path.join(REPO, os.environ.get('SEGEVAL_NIGHTLY', 'target/nightly'))
history = sd.read_table(os.path.join(NIGHTLY, 'history')).sort_values(['entry', 'date']).reset_index(drop=True)
baselines = sd.read_table(os.path.join(NIGHTLY, 'baselines'))
history[['date', 'entry', 'run_id', 'miou', 'pixel_accuracy', 'iiou', 'images_per_second', 'verdict']]'''),
 ('code', '''# Every promotion, latest last: the current baseline of an entry is its last promotion.
baselines = baselines.sort_values('promoted_at')
current = baselines.groupby('entry').tail(1).set_index('entry')['run_id'].to_dict()
promoted = set(zip(baselines['entry'], baselines['run_id']))
assert history.groupby(['entry', 'date']).size().max() == 1, 'one row per entry and night'
print('current baselines:', current)'''),
 ('code', '''metrics = [('miou', 'mIoU'), ('pixel_accuracy', 'pixel accuracy'), ('iiou', 'iIoU'),
           ('images_per_second', 'images/s')]
entries = sorted(history['entry'].unique())
fig, axes = plt.subplots(len(metrics), 1, figsize=(8, 2.3 * len(metrics)), sharex=True)
for ax, (column, label) in zip(axes, metrics):
    for entry in entries:
        h = history[history['entry'] == entry]
        scale = 1 if column == 'images_per_second' else 100
        line, = ax.plot(h['date'], h[column] * scale, marker='o', label=entry)
        for _, r in h.iterrows():
            if (entry, r['run_id']) in promoted:
                ax.scatter([r['date']], [r[column] * scale], s=160, facecolors='none',
                           edgecolors=line.get_color(), linewidths=1.5)
            if r['verdict'] == 'regression':
                ax.scatter([r['date']], [r[column] * scale], s=40, color='#d62728', zorder=3)
    ax.set_ylabel(label + ('' if column == 'images_per_second' else ' (%)'))
    ax.grid(alpha=0.3)
axes[0].legend(loc='best', fontsize=8)
axes[0].set_title('nightly suite %s: ringed = promoted baseline, red = regression' % history['suite'].iloc[0])
axes[-1].set_xlabel('night')
fig.autofmt_xdate()
fig.tight_layout()
fig.savefig(os.path.join(FIGURES, 'nightly-trends.png'), dpi=110)
print('written', os.path.join(FIGURES, 'nightly-trends.png'))'''),
])

import os
import sys
out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
nbf.write(per_class, out + '/per_class_iou.ipynb')
nbf.write(trends, out + '/nightly_trends.ipynb')
