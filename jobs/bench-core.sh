#!/usr/bin/env bash
# Benchmarks the confusion-matrix core against an encode-and-histogram baseline in the same run.
#   jobs/bench-core.sh [--output benchmark-results/core-throughput.md]
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/segeval.sh" bench-core "$@"
