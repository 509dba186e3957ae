#!/usr/bin/env bash
# Times `compare` (10,000 resamples, the default) on 500 Cityscapes and 2,000 ADE20K images: synthesises small
# images (compare reads per-image statistics, never pixels, so image size does not matter), evaluates the same
# predictions twice and compares the runs. Prints a Markdown section; with an argument, appends it to that file.
#   jobs/bench-compare-speed.sh [benchmark-results/compare-speed.md]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${BENCH_DIR:-$(mktemp -d)}"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
section="$(mktemp)"
{
  echo "## compare speed, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: \`jobs/bench-compare-speed.sh\`  "
  echo "Machine: $(uname -m), $(nproc) cores, $(java -version 2>&1 | head -1). 10,000 resamples (default), seed 1."
  echo
  echo "| dataset | images | classes | bootstrap (s) | whole command, wall (s) |"
  echo "|---|---:|---:|---:|---:|"
} > "$section"
run() { # dataset images width height classes
  local ds="$1" n="$2" w="$3" h="$4" classes="$5" root preds
  "$HERE/segeval.sh" synth --dataset "$ds" --output "$WORK/$ds" --images "$n" --width "$w" --height "$h" --seed 3 >&2
  case "$ds" in
    cityscapes) root="$WORK/$ds/cityscapes"; preds="$WORK/$ds/cityscapes-predictions" ;;
    ade20k) root="$WORK/$ds/ade20k"; preds="$WORK/$ds/ade20k-predictions" ;;
  esac
  for id in base again; do
    "$HERE/evaluate.sh" --dataset "$ds" --data-root "$root" --predictions "$preds" --output "$WORK/$ds-out" \
      --run-id "$id" --quiet >&2
  done
  local start end log
  start=$(date +%s.%N)
  log="$("$HERE/segeval.sh" compare --run "$WORK/$ds-out#again" --baseline "$WORK/$ds-out#base" 2>&1)"
  end=$(date +%s.%N)
  local boot
  boot="$(echo "$log" | sed -n 's/.*resamples of [0-9]* paired images in \([0-9.]*\) s.*/\1/p')"
  printf '| %s | %d | %d | %s | %.1f |\n' "$ds" "$n" "$classes" "$boot" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" >> "$section"
}
run cityscapes 500 128 64 19
run ade20k 2000 96 64 150
cat "$section"
if [[ $# -gt 0 ]]; then
  { echo; cat "$section"; } >> "$1"
fi
rm -f "$section"
