#!/usr/bin/env bash
# Runs the LAN benchmark (dev.potluck.bench.LanBench): N hosts and an upstream mirror as network
# namespaces on one bridge, shaped WAN and LAN links, "patch Tuesday" (every host fetches the same
# package set at once) with each host fetching directly and then through a Potluck node per host.
# Needs root, iproute2 (ip, tc), curl and nginx (Debian's nginx-light). Builds first if a jar is missing
# or the benchmark's sources are newer than its classes. Arguments go to the benchmark (--help lists
# them); try --quick for a run of a minute or two. Results: benchmarks/results/lan.json unless --out is given.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/build-if-needed.sh"

if [[ "$(id -u)" != 0 ]]; then
  echo "the LAN benchmark builds network namespaces: run it as root (sudo $0 $*)" >&2
  exit 2
fi

# The node jar is on the class path for its size parser (--sizes 2M,...).
exec "$JAVA" -Xmx1g -cp "$BENCH_JAR:$NODE_JAR" dev.potluck.bench.LanBench --jar "$NODE_JAR" "$@"
