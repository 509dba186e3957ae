#!/usr/bin/env bash
# Spark GPU discovery script: prints the GPUs of this node as Spark's ResourceInformation JSON.
# Referenced by spark.executor.resource.gpu.discoveryScript (see gpu.conf).
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo '{"name": "gpu", "addresses": []}'
  exit 0
fi
addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader | sed -e 's/^/"/' -e 's/$/"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
