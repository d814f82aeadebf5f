# Sourced by the benchmark scripts: sets ROOT, NODE_JAR, BENCH_JAR, BENCH_CP and JAVA, and builds the
# project first if a jar is missing or any module's sources are newer than the benchmarks' jar.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NODE_JAR="$ROOT/node/target/potluck.jar"
BENCH_JAR="$ROOT/benchmarks/target/potluck-benchmarks-0.1.0-SNAPSHOT.jar"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

build() {
  # The reactor resolves the modules from their targets, so nothing is installed into ~/.m2.
  # Offline first (everything is normally in ~/.m2); online if that fails.
  mvn -B -q -o package -DskipTests || mvn -B -q package -DskipTests
}

build_if_needed() {
  local stale=""
  if [[ ! -f "$NODE_JAR" || ! -f "$BENCH_JAR" || ! -d "$ROOT/benchmarks/target/lib" ]]; then
    stale="a jar is missing"
  elif [[ -n "$(find protocol/src scheduler/src node/src dashboard/src testkit/src benchmarks/src -newer "$BENCH_JAR" -print -quit)" ]] \
      || [[ -n "$(find . -maxdepth 2 -name pom.xml -newer "$BENCH_JAR" -print -quit)" ]]; then
    stale="sources newer than the jars"
  fi
  if [[ -n "$stale" ]]; then
    echo "building the project ($stale)..." >&2
    build
  fi
}
# The benchmarks' class path: their jar and every dependency, the modules included.
BENCH_CP="$BENCH_JAR:$ROOT/benchmarks/target/lib/*"

# A script with options that skip the build sources this with --defer and calls build_if_needed itself.
[[ "${1:-}" == --defer ]] || build_if_needed
