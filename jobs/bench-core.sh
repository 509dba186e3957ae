#!/usr/bin/env bash
# The pixel-scoring core (confusion matrix and Cityscapes instances) measured with JMH, and NumPy's bincount
# formulation on the same arrays in the same run.
#
#   jobs/bench-core.sh [--quick] [--output benchmark-results/core-throughput.md]
#
# --quick: 3 warm-up and 5 measured iterations of 1 s per benchmark (about 1 minute in all) instead of 5 and 10.
# Writes the Markdown table to --output and a CSV beside it (same name, .csv). Needs Maven (test classes and
# JMH from Maven Central) and Debian's python3-numpy (/usr/bin/python3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUTPUT="$ROOT/benchmark-results/core-throughput.md"
WARMUP=5
ITERATIONS=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) WARMUP=3; ITERATIONS=5; shift ;;
    --output) OUTPUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-core.sh: unknown option '$1' (--help lists them)" >&2; exit 2 ;;
  esac
done
WORK="$ROOT/target/core-bench"
mkdir -p "$WORK"
echo "[bench-core] compiling the benchmark (mvn test-compile)..." >&2
(cd "$ROOT" && mvn -B -q --no-transfer-progress test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/classpath.txt" >&2)
CP="$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$WORK/classpath.txt")"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
echo "[bench-core] writing the arrays for NumPy..." >&2
"$JAVA" -cp "$CP" dev.segeval.bench.jmh.CoreBenchData "$WORK" >&2
echo "[bench-core] JMH: $WARMUP warm-up + $ITERATIONS measured iterations of 1 s per benchmark..." >&2
"$JAVA" -cp "$CP" org.openjdk.jmh.Main 'dev.segeval.bench.jmh.PixelScorerJmh' -f 1 -t 1 \
  -wi "$WARMUP" -w 1s -i "$ITERATIONS" -r 1s -rf json -rff "$WORK/jmh.json" >&2
QUICK=""
[[ "$WARMUP" == 3 ]] && QUICK=" --quick"
echo "[bench-core] NumPy bincount on the same arrays..." >&2
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, where a machine sets them, slow a current NumPy: unset for NumPy alone.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$ROOT/notebooks/bench/bincount_core.py" "$WORK" \
  --jmh "$WORK/jmh.json" --command "jobs/bench-core.sh$QUICK" --output "$OUTPUT" --csv "${OUTPUT%.md}.csv"
