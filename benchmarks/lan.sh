#!/usr/bin/env bash
# Runs the LAN benchmark (dev.potluck.bench.LanBench): N hosts and an upstream mirror as network
# namespaces on one bridge, shaped WAN and LAN links, a signed apt repository the benchmark builds, and
# four workloads, each fetched directly, through apt-cacher-ng on host 1 and through a Potluck node per
# host, by real apt-get clients. Needs root, iproute2 (ip, tc), curl, nginx (Debian's nginx-light),
# apt-cacher-ng, apt-utils, dpkg-dev and gnupg. Builds first if a jar is missing or the benchmark's
# sources are newer than its classes. Arguments go to the benchmark (--help lists them); try --quick
# for a run of a few minutes. Results: benchmarks/results/lan.json and benchmarks/results/lan-report/.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/build-if-needed.sh"

if [[ "$(id -u)" != 0 ]]; then
  echo "the LAN benchmark builds network namespaces: run it as root (sudo $0 $*)" >&2
  exit 2
fi

# target/lib holds the benchmark's dependencies (the node's classes for its size parser, XChart, ...).
exec "$JAVA" -Xmx1g -cp "$BENCH_CP" dev.potluck.bench.LanBench --jar "$NODE_JAR" "$@"
