# Sourced by the benchmark scripts: sets ROOT, NODE_JAR, BENCH_JAR and JAVA, and builds first if a jar
# is missing or the benchmark's sources are newer than its classes.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NODE_JAR="$ROOT/node/target/potluck.jar"
BENCH_JAR="$ROOT/benchmarks/target/potluck-benchmarks-0.1.0-SNAPSHOT.jar"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

build() {
  # Offline first (everything is normally in ~/.m2); online if that fails.
  mvn -B -q -o "$@" install -DskipTests || mvn -B -q "$@" install -DskipTests
}

if [[ ! -f "$NODE_JAR" ]]; then
  echo "building the project (no $NODE_JAR yet)..." >&2
  build
elif [[ ! -f "$BENCH_JAR" ]] || [[ ! -d "$ROOT/benchmarks/target/lib" ]] || [[ -n "$(find "$ROOT/benchmarks/src" "$ROOT/benchmarks/pom.xml" -newer "$BENCH_JAR" -print -quit)" ]]; then
  echo "building the benchmarks module..." >&2
  build -pl benchmarks
fi
