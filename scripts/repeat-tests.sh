#!/usr/bin/env bash
# Runs the whole test suite (mvn -B verify) N times in a row and reports how many runs passed: a test that fails
# once in ten runs is broken, and this is how to find out.
#
#   scripts/repeat-tests.sh [-n RUNS] [-j JAVA_HOME] [-s] [-- extra maven arguments]
#
#   -n RUNS       how many runs (default 10)
#   -j JAVA_HOME  the JDK to run on, for example /usr/lib/jvm/temurin-25-jdk-amd64 (default: the current one)
#   -s            keep both cores busy meanwhile with 'stress-ng --cpu 2' (Debian package stress-ng), at the
#                 same niceness as the tests, so that they get about half the CPU
#
# Every run's output goes to target/repeat-tests/run-<i>.log; a failed run's failing tests are listed. Runs under
# 'nice' so that a shared machine stays usable. The exit status is 0 only if every run passed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=10
java_home=""
stress=false
while getopts "n:j:s" opt; do
  case "$opt" in
    n) runs="$OPTARG" ;;
    j) java_home="$OPTARG" ;;
    s) stress=true ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift

if [ -n "$java_home" ]; then
  export JAVA_HOME="$java_home"
  export PATH="$JAVA_HOME/bin:$PATH"
fi

stress_pid=""
if $stress; then
  if ! command -v stress-ng >/dev/null 2>&1; then
    echo "stress-ng is not installed (apt-get install -y stress-ng)" >&2
    exit 2
  fi
  nice -n 10 stress-ng --cpu 2 --quiet &
  stress_pid=$!
  trap 'kill "$stress_pid" 2>/dev/null; wait "$stress_pid" 2>/dev/null' EXIT
fi

out=target/repeat-tests
mkdir -p "$out"
passed=0
failed=0
java -version 2>&1 | head -1
for i in $(seq 1 "$runs"); do
  log="$out/run-$i.log"
  start=$(date +%s)
  if nice -n 10 mvn -B -ntp verify "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    result=passed
  else
    failed=$((failed + 1))
    result=FAILED
  fi
  tests=$(grep -E '^\[(INFO|WARNING|ERROR)\] Tests run: [0-9]+, Failures' "$log" | grep -v ' in ' \
    | awk -F'[ ,]+' '{t += $4; f += $6 + $8} END {print t " tests, " f " failed or in error"}')
  echo "run $i/$runs: $result in $(( $(date +%s) - start )) s ($tests) $log"
  if [ "$result" = FAILED ]; then
    grep -E '^\[ERROR\] (Tests run|  [A-Za-z].*(Test|Tests|IT)\.)|<<< (FAILURE|ERROR)' "$log" | head -20
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
