#!/usr/bin/env bash
# Runs the chaos suite (dev.potluck.bench.ChaosBench): N hosts (default 6) and an upstream mirror as
# network namespaces on one bridge, a Potluck node and a real apt-get on every host, and a cold herd
# fetching a signed repository the suite builds: once without a fault, then once per scenario
# (fetcher-kill, arbiter-kill, partition, restart, upstream-trouble, disk-full). Needs root, iproute2
# (ip, tc, ss), curl, nginx (Debian's nginx-light), apt, apt-utils, dpkg-dev and gnupg. Builds first if
# a jar is missing or the sources are newer. Arguments go to the suite (--help lists them).
# Results: benchmarks/results/chaos.json and benchmarks/results/chaos-logs/.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/build-if-needed.sh"

if [[ "$(id -u)" != 0 ]]; then
  echo "the chaos suite builds network namespaces: run it as root (sudo $0 $*)" >&2
  exit 2
fi

exec "$JAVA" -Xmx1g -cp "$BENCH_CP" dev.potluck.bench.ChaosBench --jar "$NODE_JAR" "$@"
