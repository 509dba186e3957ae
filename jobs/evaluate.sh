#!/usr/bin/env bash
# Evaluates predictions (or runs a model) on Spark.
#   Embedded local Spark:  jobs/evaluate.sh --dataset cityscapes --data-root data/cityscapes --split val \
#                            --predictions preds/ --prediction-encoding labelId --output results/
#   spark-submit:          SPARK_HOME=/opt/spark jobs/evaluate.sh --master spark://host:7077 -- \
#                            --dataset cityscapes --data-root s3a://bucket/cityscapes ... --output s3a://bucket/results
# Arguments before a lone "--" go to spark-submit (only with SPARK_HOME); run with --help for every option.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
args=("$@")
if [[ -n "${SPARK_HOME:-}" ]]; then
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [[ "${args[$i]}" == "--" ]]; then
      exec "$HERE/segeval.sh" "${args[@]:0:$i}" -- evaluate "${args[@]:$((i + 1))}"
    fi
  done
fi
exec "$HERE/segeval.sh" evaluate "$@"
