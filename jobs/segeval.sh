#!/usr/bin/env bash
# Runs any segeval command (evaluate, synth, compare, ...).
#
#   jobs/segeval.sh <command> <args>                      embedded local Spark (local[*]) from this repository
#   SPARK_HOME=/opt/spark jobs/segeval.sh [spark-submit options --] <command> <args>
#                                                         $SPARK_HOME/bin/spark-submit on any cluster
#
# With SPARK_HOME set, arguments before a lone "--" go to spark-submit unchanged (--master, --conf,
# --packages, ...), the rest to the command; $SEGEVAL_SUBMIT_ARGS is added to spark-submit's options too.
# The application jar is target/segeval.jar (built with "mvn package" when missing or older than the sources),
# or $SEGEVAL_JAR.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="${SEGEVAL_JAR:-$ROOT/target/segeval.jar}"
CP_FILE="$ROOT/target/classpath.txt"

# Maven's build log, reduced to one line per build step, the result and any errors, so that a first build (which
# also downloads the dependencies) shows progress. All of it goes to stderr: stdout is the command's own output.
build_progress() {
  local line
  while IFS= read -r line; do
    if [[ "$line" =~ \[INFO\]\ ---\ ([^:]+):[^:]+:([^ ]+) ]]; then
      echo "[segeval]   ${BASH_REMATCH[1]%-plugin}: ${BASH_REMATCH[2]}"
    elif [[ "$line" == *"[INFO] BUILD "* ]]; then
      echo "[segeval]   ${line#*\[INFO\] }"
    elif [[ "$line" == *"[ERROR]"* ]]; then
      echo "$line"
    fi
  done
}

if [[ -z "${SEGEVAL_JAR:-}" ]] && [[ ! -f "$JAR" || ! -f "$CP_FILE" || -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit 2>/dev/null)" ]]; then
  echo "[segeval] building the application jar (mvn package; the first build downloads the dependencies)..." >&2
  (cd "$ROOT" && mvn -B --no-transfer-progress -DskipTests package 2>&1) | build_progress >&2
fi

export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
if [[ -n "${SPARK_HOME:-}" ]]; then
  submit_args=()
  app_args=("$@")
  for ((i = 0; i < $#; i++)); do
    if [[ "${app_args[$i]}" == "--" ]]; then
      submit_args=("${app_args[@]:0:$i}")
      app_args=("${app_args[@]:$((i + 1))}")
      break
    fi
  done
  # shellcheck disable=SC2086
  exec "$SPARK_HOME/bin/spark-submit" --class dev.segeval.cli.SegEval ${SEGEVAL_SUBMIT_ARGS:-} \
    "${submit_args[@]}" "$JAR" "${app_args[@]}"
fi

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# glibc allocator settings for PyTorch's per-window buffers (conf/spark/allocator.conf does the same for cluster
# executors): 4-11 % faster scoring of a ResNet-50 PSPNet here; a value already in the environment wins.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}" MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-4294967296}" MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-536870912}"
mapfile -t JAVA_OPTS < <(grep -v '^#' "$HERE/java17-options")
# shellcheck disable=SC2206 # SEGEVAL_JAVA_OPTS is a list of options, split on spaces
JAVA_CMD=("$JAVA" "${JAVA_OPTS[@]}" -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties" \
  ${SEGEVAL_JAVA_OPTS:--Xmx4g} -cp "$JAR:$(cat "$CP_FILE")" dev.segeval.cli.SegEval "$@")
if [[ -t 2 && -z "${SEGEVAL_RAW_STDERR:-}" ]]; then
  # On CPUs NNPACK does not support, libtorch 2.x prints "Could not initialize NNPACK! Reason: Unsupported
  # hardware." at every small convolution (hundreds of lines for the demo; its C++ log level is only settable
  # from Python). On a terminal that text is cut out of stderr (it can land in the middle of a Java line: only the
  # warning goes, the rest of the line stays); files and pipes (CI, benchmarks) get stderr unfiltered.
  # Java runs as this script's child so that the script ends only after the filter has printed the last line;
  # with job control (set -m) the child keeps SIGINT, and the traps pass on Ctrl-C and kill <pid> of the script.
  set -m
  "${JAVA_CMD[@]}" 2> >(trap '' INT; exec sed -u -E '/NNPACK/{s/\[W[^]]*NNPACK\.cpp:[0-9]+\] Could not initialize NNPACK! Reason: Unsupported hardware\.//g;/^$/d}' >&2) &
  java_pid=$!
  set +m
  trap 'kill -INT "$java_pid" 2>/dev/null || true' INT
  trap 'kill -TERM "$java_pid" 2>/dev/null || true' TERM
  trap 'kill -HUP "$java_pid" 2>/dev/null || true' HUP
  while true; do
    status=0
    wait "$java_pid" || status=$?
    kill -0 "$java_pid" 2>/dev/null || break # a trapped signal ends the wait early; java may still be running
  done
  wait # the filter, until its last line is out
  exit "$status"
fi
exec "${JAVA_CMD[@]}"
