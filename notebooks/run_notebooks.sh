#!/usr/bin/env bash
# Runs the notebooks headless (jupyter nbconvert --execute) with Debian's Python, the lane .ci/run runs after the
# README's test command. Inputs are made first when missing, from the project's own demo:
#   the demo run                  jobs/demo.sh -> target/demo/results (run id demo)
#   a nightly history             the demo suite over two nights with a promotion, under $WORK/nightly
#   a table                       tables on conf/tables/demo.csv, under $WORK/tables
# Executed notebooks go to $WORK/executed/, figures to $WORK/figures/; --publish also copies the figures to
# benchmark-results/notebooks/.
#
#   notebooks/run_notebooks.sh [--publish]
#
# Python: Debian's /usr/bin/python3 with python3-nbconvert, python3-ipykernel, python3-matplotlib and
# python3-pandas ($SEGEVAL_PYTHON to use another). Parquet is read with pyarrow or fastparquet when installed,
# else through `jobs/segeval.sh show` (notebooks/segeval_data.py).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"
PY="${SEGEVAL_PYTHON:-/usr/bin/python3}"
WORK="${NOTEBOOK_WORK:-$ROOT/target/notebook-run}"
PUBLISH=0
[[ "${1:-}" == "--publish" ]] && PUBLISH=1

if ! "$PY" -c "import nbconvert, nbclient, ipykernel, matplotlib, pandas" 2>/dev/null; then
  echo "run_notebooks: $PY lacks the notebook packages; install them with:" >&2
  echo "  apt-get install -y --no-install-recommends python3-nbconvert python3-nbclient python3-ipykernel \\" >&2
  echo "    python3-matplotlib python3-pandas" >&2
  exit 2
fi
mkdir -p "$WORK"

if [[ ! -f target/demo/results/runs/demo/summary.json ]]; then
  echo "[notebooks] making the demo run (jobs/demo.sh)"
  jobs/demo.sh --quiet
fi

NIGHTLY="$WORK/nightly"
if [[ ! -d "$NIGHTLY/history" ]]; then
  echo "[notebooks] making a nightly history: the demo suite over two nights"
  SUITE="$WORK/demo-suite.properties"
  sed "s#^output *=.*#output = $NIGHTLY#" conf/nightly/demo.properties > "$SUITE"
  jobs/nightly.sh --suite "$SUITE" --date 2026-11-29
  for entry in model predictions; do
    jobs/segeval.sh promote --suite "$SUITE" --entry "$entry" --run-id demo-2026-11-29 --reason "first night"
  done
  jobs/nightly.sh --suite "$SUITE" --date 2026-11-30
fi

TABLES="$WORK/tables"
if [[ ! -d "$TABLES/table" ]]; then
  echo "[notebooks] making the demo table (tables)"
  jobs/segeval.sh tables --table conf/tables/demo.csv --models conf/tables/models.properties \
    --data-root-for cityscapes=target/demo/data/cityscapes --output "$TABLES" > /dev/null
fi

FIGURES="$WORK/figures"
rm -rf "$FIGURES" "$WORK/executed"
mkdir -p "$FIGURES"
export SEGEVAL_REPO="$ROOT" SEGEVAL_FIGURES="$FIGURES" SEGEVAL_NIGHTLY="$NIGHTLY" SEGEVAL_TABLES="$TABLES"
export SEGEVAL_OUTPUT=target/demo/results SEGEVAL_RUN_ID=demo
for nb in notebooks/per_class_iou.ipynb notebooks/nightly_trends.ipynb; do
  echo "[notebooks] executing $nb"
  "$PY" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=900 \
    --ExecutePreprocessor.kernel_name=python3 --output-dir "$WORK/executed" "$nb"
done
for png in per-class-iou.png table-reported-vs-measured.png nightly-trends.png; do
  [[ -s "$FIGURES/$png" ]] || { echo "run_notebooks: $FIGURES/$png was not written" >&2; exit 1; }
done
echo "[notebooks] figures: $FIGURES"
if [[ $PUBLISH == 1 ]]; then
  mkdir -p benchmark-results/notebooks
  cp "$FIGURES"/*.png benchmark-results/notebooks/
  echo "[notebooks] copied to benchmark-results/notebooks/"
fi
