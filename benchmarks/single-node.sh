#!/usr/bin/env bash
# Runs the single-node benchmark (dev.potluck.bench.SingleNodeBench): cache miss vs direct, node RSS
# while streaming 2 GiB, cache-hit throughput vs nginx. Builds first if a jar is missing or the
# benchmark's sources are newer than its classes. Arguments go to the benchmark (--help lists them);
# try --quick for a one-minute run. Results: benchmarks/results/single-node.json unless --out is given.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NODE_JAR="$ROOT/node/target/potluck.jar"
BENCH_JAR="$ROOT/benchmarks/target/potluck-benchmarks-0.1.0-SNAPSHOT.jar"

build() {
  # Offline first (everything is normally in ~/.m2); online if that fails.
  mvn -B -q -o "$@" install -DskipTests || mvn -B -q "$@" install -DskipTests
}

if [[ ! -f "$NODE_JAR" ]]; then
  echo "building the project (no $NODE_JAR yet)..." >&2
  build
elif [[ ! -f "$BENCH_JAR" ]] || [[ -n "$(find "$ROOT/benchmarks/src" "$ROOT/benchmarks/pom.xml" -newer "$BENCH_JAR" -print -quit)" ]]; then
  echo "building the benchmarks module..." >&2
  build -pl benchmarks
fi

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$JAVA" -Xmx1g -cp "$BENCH_JAR" dev.potluck.bench.SingleNodeBench --jar "$NODE_JAR" "$@"
