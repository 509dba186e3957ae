#!/usr/bin/env bash
# The demo: synthesises a small Cityscapes-layout dataset (once), runs the shipped PSPNet demo model on it with
# Spark in local mode (inference and scoring in one pass) and prints the metrics table. Needs Java 17 and Maven.
#   DEMO_DIR (default target/demo) holds data and results; extra arguments go to 'evaluate'.
#   DEMO_MODE=predictions scores the synthetic prediction PNGs instead of running the model.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"
DEMO_DIR="${DEMO_DIR:-$ROOT/target/demo}"
if [[ ! -d "$DEMO_DIR/data/cityscapes/gtFine/val" ]]; then
  "$HERE/segeval.sh" synth --dataset cityscapes --output "$DEMO_DIR/data" --images 24 --width 512 --height 256 --seed 7
fi
if [[ "${DEMO_MODE:-model}" == "predictions" ]]; then
  exec "$HERE/evaluate.sh" --config conf/datasets/cityscapes.properties --data-root "$DEMO_DIR/data/cityscapes" \
    --predictions "$DEMO_DIR/data/cityscapes-predictions" --output "$DEMO_DIR/results" --run-id demo-predictions "$@"
fi
exec "$HERE/evaluate.sh" --config conf/datasets/cityscapes.properties \
  --config conf/models/pspnet-tiny-synth-cityscapes.properties \
  --data-root "$DEMO_DIR/data/cityscapes" --output "$DEMO_DIR/results" --run-id demo "$@"
