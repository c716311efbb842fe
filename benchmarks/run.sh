#!/usr/bin/env bash
# Builds the benchmarks module and runs every benchmark of issue 6 (a few minutes on 2 cores), then writes
# BENCHMARKS.md at the repository root.
#
#   benchmarks/run.sh           the real run; regenerates BENCHMARKS.md
#   benchmarks/run.sh --quick   a smoke test with tiny counts; writes benchmarks/target/BENCHMARKS-quick.md instead
#
# Uses `java` from JAVA_HOME if set, else from PATH; extra Maven arguments (e.g. -o -Dmaven.repo.local=...) come from
# MVN_ARGS. All traffic stays on 127.0.0.1; every part runs under a
# time limit, and the child JVMs it starts exit with it.
set -uo pipefail
cd "$(dirname "$0")/.."

QUICK=0
if [[ "${1:-}" == "--quick" ]]; then
  QUICK=1
fi
START=$(date +%s)

mvn -B -q -ntp ${MVN_ARGS:-} -pl benchmarks -am package -DskipTests || { echo "build failed" >&2; exit 1; }

JAR=benchmarks/target/benchmarks.jar
OUT=benchmarks/target/results
JAVA=java
if [[ -n "${JAVA_HOME:-}" ]]; then
  JAVA="$JAVA_HOME/bin/java"
fi
rm -rf "$OUT"
mkdir -p "$OUT"
FAILED=0

loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }
record_load() { printf '%s\t%s\n' "$1" "$(loadavg)" >> "$OUT/load.txt"; }

# part NAME TIME_LIMIT_SECONDS JAVA_ARGS...
part() {
  local name=$1 limit=$2
  shift 2
  record_load "at the start of $name"
  echo "=== $name (limit ${limit} s, load $(loadavg))"
  timeout --kill-after=15 "$limit" "$JAVA" "$@" --out "$OUT" 2>&1 | tee "$OUT/$name.log"
  local status=${PIPESTATUS[0]}
  if [[ $status -ne 0 ]]; then
    echo "=== $name FAILED (exit $status), see $OUT/$name.log" >&2
    FAILED=1
  fi
}

cores=$(nproc 2>/dev/null || echo 1)
load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load1" -v c="$cores" 'BEGIN { exit !(l > 0.5 * c) }'; then
  echo "The machine was shared: its 1-minute load average was $load1 on $cores cores when the run started" \
    "(other builds and tests were running), so absolute numbers, latencies above all, are pessimistic." \
    > "$OUT/machine-note.txt"
else
  echo "The machine was quiet when the run started (1-minute load average $load1 on $cores cores)." \
    > "$OUT/machine-note.txt"
fi

P=dev.persistentconnection.benchmarks
if [[ $QUICK -eq 1 ]]; then
  part micro 300 -cp "$JAR" $P.MicroMain --quick
  part scale 120 -XX:+UseSerialGC -Xms1g -Xmx1g -cp "$JAR" $P.ScaleMain --rounds 1
  part transport-scale 240 -cp "$JAR" $P.TransportScaleMain --connections 500 --hold-seconds 8
  part reconnect 120 -cp "$JAR" $P.ReconnectMain --warmup 10 --rounds 30 --profile-rounds 20
  part herd 120 -Xmx1g -cp "$JAR" $P.HerdMain --rounds 1 --connections 200
  part throughput 300 -Xms1g -Xmx1g -cp "$JAR" $P.ThroughputMain --prewarm-ms 600 --warmup-ms 100 --window-ms 200 --windows 2 \
    --no-profile
  part typed 120 -Xms512m -Xmx512m -cp "$JAR" $P.TypedCallMain --warmup-ms 500 --round-ms 300 --rounds 2 --profile-ms 300
  part transports 120 -cp "$JAR" $P.TransportsMain --warmup-ms 300 --window-ms 200 --windows 2
  REPORT=benchmarks/target/BENCHMARKS-quick.md
else
  part micro 400 -cp "$JAR" $P.MicroMain
  part scale 120 -XX:+UseSerialGC -Xms1g -Xmx1g -cp "$JAR" $P.ScaleMain
  part transport-scale 600 -cp "$JAR" $P.TransportScaleMain
  part reconnect 120 -cp "$JAR" $P.ReconnectMain
  part herd 300 -Xmx1g -cp "$JAR" $P.HerdMain
  part throughput 400 -Xms1g -Xmx1g -cp "$JAR" $P.ThroughputMain
  part typed 180 -Xms512m -Xmx512m -cp "$JAR" $P.TypedCallMain
  part transports 180 -cp "$JAR" $P.TransportsMain
  REPORT=BENCHMARKS.md
fi
record_load "at the end"

ELAPSED=$(( $(date +%s) - START ))
"$JAVA" -cp "$JAR" $P.Report --out "$OUT" --output "$REPORT" --elapsed "$ELAPSED" \
  --command "benchmarks/run.sh$([[ $QUICK -eq 1 ]] && echo ' --quick')" || FAILED=1
echo "=== done in ${ELAPSED} s: $REPORT"
exit $FAILED
