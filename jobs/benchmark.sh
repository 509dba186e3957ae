#!/usr/bin/env bash
# Every speed figure of the project in one run, goals beside the figures:
#   jobs/benchmark.sh --quick     core (JMH vs NumPy), ResNet-50 PSPNet vs the semseg-style PyTorch loop at
#                                 single scale + flip, bf16 vs fp32, the demo's wall time (about 5 minutes)
#   jobs/benchmark.sh             adds the paper's multi-scale test, a full-size 2048x1024 image,
#                                 peak RSS over 10,000 images, scaling and a standalone cluster, 100,000 images
#                                 locally and 10,000 on s3a (about 50 minutes)
# Writes benchmark-results/benchmark-<date>[-quick].md and .csv (command, machine, date) and the README's
# benchmark table. Needs Debian's python3-torch, python3-numpy and python3-pil (/usr/bin/python3), Maven and
# Java. Benchmarks are never timed tests: nothing here fails on a figure, the "met" column says.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in
  -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
exec /usr/bin/python3 "$ROOT/notebooks/bench/benchmark.py" "$@"
