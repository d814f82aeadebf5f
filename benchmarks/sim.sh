#!/usr/bin/env bash
# Runs the simulator (dev.potluck.bench.sim.SimBench): N simulated hosts, each running the real
# scheduler, over a modelled LAN (shared WAN link, LAN ports, control-message latency, arrivals,
# failures), on a virtual clock. Builds first if a jar is missing or the benchmark's sources are newer
# than its classes. Arguments go to the simulator (--help lists them); try --quick for a run of seconds.
# Results: benchmarks/results/sim.json and PNG charts next to it, unless --out is given.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/build-if-needed.sh"

# BENCH_CP holds the scheduler, the protocol and the charting library.
exec "$JAVA" -Xmx2g -Djava.awt.headless=true -cp "$BENCH_CP" \
  dev.potluck.bench.sim.SimBench "$@"
