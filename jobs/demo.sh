#!/usr/bin/env bash
# The demo: synthesises a small Cityscapes-layout dataset with imperfect predictions (once), evaluates it with
# the embedded local Spark and prints the metrics table. Needs only Java 17 and Maven.
#   DEMO_DIR (default target/demo) holds data and results; extra arguments go to 'evaluate'.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
DEMO_DIR="${DEMO_DIR:-$ROOT/target/demo}"
if [[ ! -d "$DEMO_DIR/data/cityscapes/gtFine/val" ]]; then
  "$HERE/segeval.sh" synth --dataset cityscapes --output "$DEMO_DIR/data" --images 24 --width 512 --height 256 --seed 7
fi
exec "$HERE/evaluate.sh" --dataset cityscapes --data-root "$DEMO_DIR/data/cityscapes" --split val \
  --predictions "$DEMO_DIR/data/cityscapes-predictions" --prediction-encoding labelId \
  --output "$DEMO_DIR/results" --run-id demo "$@"
