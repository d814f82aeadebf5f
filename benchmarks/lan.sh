#!/usr/bin/env bash
# Runs the LAN benchmark (dev.potluck.bench.LanBench): N hosts and an upstream mirror as network
# namespaces on one bridge, shaped WAN and LAN links, "patch Tuesday" (every host fetches the same
# package set at once) with each host fetching directly and then through a Potluck node per host.
# Needs root, iproute2 (ip, tc), curl and nginx (Debian's nginx-light). Builds first if a jar is missing
# or the benchmark's sources are newer than its classes. Arguments go to the benchmark (--help lists
# them); try --quick for a run of a minute or two. Results: benchmarks/results/lan.json unless --out is given.
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

if [[ "$(id -u)" != 0 ]]; then
  echo "the LAN benchmark builds network namespaces: run it as root (sudo $0 $*)" >&2
  exit 2
fi

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# The node jar is on the class path for its size parser (--sizes 2M,...).
exec "$JAVA" -Xmx1g -cp "$BENCH_JAR:$NODE_JAR" dev.potluck.bench.LanBench --jar "$NODE_JAR" "$@"
