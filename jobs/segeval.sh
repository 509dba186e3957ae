#!/usr/bin/env bash
# Runs any segeval command (evaluate, synth, bench-core, ...).
#   With SPARK_HOME set:  $SPARK_HOME/bin/spark-submit [SEGEVAL_SUBMIT_ARGS] <app jar> <command> <args>
#   Otherwise:            an embedded local Spark (local[*]) from this repository's build, no install needed.
# Builds the jar first when it is missing or older than the sources.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="$ROOT/target/segeval.jar"
CP_FILE="$ROOT/target/classpath.txt"

if [[ ! -f "$JAR" || ! -f "$CP_FILE" || -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit 2>/dev/null)" ]]; then
  echo "[segeval] building the application jar (mvn package)..." >&2
  (cd "$ROOT" && mvn -q -B -DskipTests package) >&2
fi

export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
if [[ -n "${SPARK_HOME:-}" ]]; then
  # shellcheck disable=SC2086
  exec "$SPARK_HOME/bin/spark-submit" --class dev.segeval.cli.SegEval ${SEGEVAL_SUBMIT_ARGS:-} "$JAR" "$@"
fi

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mapfile -t JAVA_OPTS < <(grep -v '^#' "$HERE/java17-options")
# shellcheck disable=SC2086
exec "$JAVA" "${JAVA_OPTS[@]}" -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties" \
  ${SEGEVAL_JAVA_OPTS:--Xmx4g} -cp "$JAR:$(cat "$CP_FILE")" dev.segeval.cli.SegEval "$@"
