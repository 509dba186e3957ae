"""Loads segeval's outputs into pandas for the notebooks (and for your own analysis).

segeval writes Parquet tables (a run's images/, classes/, categories/, runs/; a suite's history/ and baselines/;
a tables output's table/), partitioned Hive-style (run_id=..., table=...). pandas reads them directly when a
Parquet engine is installed (pyarrow or fastparquet: pip or conda). Debian 12 ships neither, so without one this
module asks the tool itself: `jobs/segeval.sh show --table <folder> --format csv` reads the table with Spark
and prints CSV, which pandas reads. Both paths give the same columns, partition columns included.

    import segeval_data as sd
    classes = sd.read_table('target/demo/results/classes', where="run_id = 'demo'")
    summary = sd.read_summary('target/demo/results', 'demo')
"""
import io
import json
import os
import subprocess

import pandas as pd

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEGEVAL = os.environ.get('SEGEVAL', os.path.join(REPO, 'jobs', 'segeval.sh'))


def parquet_engine():
    """The Parquet engine pandas can use here, or None."""
    for name in ('pyarrow', 'fastparquet'):
        try:
            __import__(name)
            return name
        except ImportError:
            pass
    return None


def _local(path):
    return path[len('file:'):] if path.startswith('file:') and not path.startswith('file://') else \
        path[len('file://'):] if path.startswith('file://') else path


def read_table(path, where=None, engine=None):
    """A Parquet table folder as a DataFrame.

    path: a local folder (or any Hadoop URI when the tool reads it: s3a://, hdfs://).
    where: a filter, written as a Spark SQL condition ("run_id = 'demo'"); applied by pandas' query when the
           table is read with a Parquet engine, so keep to comparisons joined by 'and'.
    engine: 'pyarrow', 'fastparquet', 'segeval' (the tool's CSV), or None for the first available.
    """
    engine = engine or parquet_engine() or 'segeval'
    if engine == 'segeval' or '://' in path and not path.startswith('file:'):
        cmd = [SEGEVAL, 'show', '--table', path, '--format', 'csv']
        if where:
            cmd += ['--where', where]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # round_trip: the tool prints doubles in their shortest exact form; read them back bit for bit.
        return pd.read_csv(io.BytesIO(out.stdout), float_precision='round_trip')
    frame = pd.read_parquet(_local(path), engine=engine)
    for column in frame.columns:
        # Partition columns come back as categoricals; the CSV path gives plain values.
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
    if where:
        frame = frame.query(where.replace(' = ', ' == ').replace(' AND ', ' and '))
    return frame.reset_index(drop=True)


def read_summary(output, run_id=None):
    """runs/<run_id>/summary.json of an evaluate output (the top-level summary.json when run_id is None)."""
    base = _local(output)
    path = os.path.join(base, 'runs', run_id, 'summary.json') if run_id else os.path.join(base, 'summary.json')
    with open(path) as f:
        return json.load(f)


def read_card(model_path):
    """The model card next to a TorchScript file (model.pt -> model.json), or None."""
    card = (model_path[:-3] if model_path.endswith('.pt') else model_path) + '.json'
    if not os.path.exists(card):
        return None
    with open(card) as f:
        return json.load(f)
