#!/usr/bin/env bash
# Runs the single-node benchmark (dev.potluck.bench.SingleNodeBench): cache miss vs direct, node RSS
# while streaming 2 GiB, cache-hit throughput vs nginx. Builds first if a jar is missing or the
# benchmark's sources are newer than its classes. Arguments go to the benchmark (--help lists them);
# try --quick for a one-minute run, --only herd for 1,000 clients asking at once (node beside nginx).
# Results: benchmarks/results/single-node.json unless --out is given.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/build-if-needed.sh"

# target/lib holds the benchmark's dependencies (picocli, the node's size parser, ...).
exec "$JAVA" -Xmx1g -cp "$BENCH_CP" dev.potluck.bench.SingleNodeBench --jar "$NODE_JAR" "$@"
