#!/usr/bin/env bash
# Evaluates predictions on Spark: spark-submit when SPARK_HOME is set, embedded local Spark otherwise.
# Example:
#   jobs/evaluate.sh --dataset cityscapes --data-root data/cityscapes --split val \
#     --predictions preds/ --prediction-encoding labelId --output results/
# Run with --help for every option.
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/segeval.sh" evaluate "$@"
