#!/bin/sh
# Runs every benchmark class at 1 and 2 threads and writes JMH JSON and logs to bench/results/<UTC date>/.
# Peers run in the same JMH invocation as Tollgate. When another JMH run holds the machine's JMH lock, this waits
# for it rather than overlapping with it.
#
#   ./mvnw -q -pl bench -am package -DskipTests && bench/run-suite.sh [jmh options]
#   (default options: -f 1 -wi 2 -w 1s -i 5 -r 1s, short runs for a shared machine)
set -eu
cd "$(dirname "$0")/.."
. ./.mvn/find-jdk.sh
JAVA="$JAVA_HOME/bin/java"
OPTS=${*:-"-f 1 -wi 2 -w 1s -i 5 -r 1s"}
OUT=bench/results/$(date -u +%Y-%m-%d)
mkdir -p "$OUT"
CLASSES=${CLASSES:-"OneRuleBench ThreeRuleBench LockVsCasBench"}
THREADS=${THREADS:-"1 2"}
for t in $THREADS; do
  for bench in $CLASSES; do
    log="$OUT/$bench-t$t.log"
    while :; do
      echo "$(date -u +%FT%TZ) start $bench -t $t, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$log"
      # shellcheck disable=SC2086
      if "$JAVA" -jar bench/target/benchmarks.jar "$bench" $OPTS -t "$t" -rf json -rff "$OUT/$bench-t$t.json" \
          >> "$log" 2>&1; then
        break
      fi
      if grep -q "Unable to acquire the JMH lock" "$log"; then
        echo "another JMH run holds the lock; waiting" >&2
        sleep 30
        continue
      fi
      echo "$bench -t $t failed; see $log" >&2
      exit 1
    done
    echo "$(date -u +%FT%TZ) end $bench -t $t, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  done
done
