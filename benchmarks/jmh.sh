#!/usr/bin/env bash
# JMH micro-benchmarks (package dev.potluck.bench.jmh): the cluster message codec, the scheduler's
# decision path, and the store's streaming path. Results: benchmarks/results/jmh.json and a table.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: benchmarks/jmh.sh [--quick] [--no-gc] [--no-build] [--hit] [--out FILE] [--max-seconds N]
                         [REGEX...] [-- JMH-OPTIONS...]

  (no flag)        full run: each benchmark's own warm-up and measurement (about 7 to 9 minutes)
  --quick          1 warm-up and 2 measurement iterations of 0.3 s each, four message types,
                   8 MiB objects (about 2 to 3 minutes; figures are rough)
  REGEX            run only benchmarks whose name matches, e.g. 'SchedulerBench.claim' or 'Codec'
                   (JMH include regexes; several are allowed)
  --no-gc          leave out JMH's gc profiler (allocated bytes per operation)
  --no-build       do not build, even when sources are newer than the jars
  --hit            afterwards, also run cache-hit serving against nginx on loopback
                   (single-node.sh's hit part; --quick is passed on)
  --out FILE       JSON results (default benchmarks/results/jmh.json)
  --max-seconds N  stop the whole run after N seconds (default 900; 300 with --quick)
  -- OPTS          everything after -- goes to JMH as it is, e.g. -- -p members=1000 -prof stack

Benchmarks: CodecBench (encode/decode per message type), SchedulerBench (request, miss, claim,
holders, load, view at 8/100/1000 members), StoreStreamBench (growing and complete object to
1/4/16 loopback HTTP readers; the bytes column is body bytes per second).
USAGE
}

source "$(dirname "${BASH_SOURCE[0]}")/build-if-needed.sh" --defer

quick=0; gc=1; build=1; hit=0; out="$ROOT/benchmarks/results/jmh.json"; max_seconds=""
includes=(); jmh_extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --quick) quick=1 ;;
    --no-gc) gc=0 ;;
    --no-build) build=0 ;;
    --hit) hit=1 ;;
    --out) [[ $# -ge 2 ]] || { echo "jmh.sh: --out needs a file" >&2; exit 2; }; out="$2"; shift ;;
    --max-seconds)
      [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { echo "jmh.sh: --max-seconds needs a positive whole number" >&2; exit 2; }
      max_seconds="$2"; shift ;;
    --) shift; jmh_extra=("$@"); break ;;
    -*) echo "jmh.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    *) includes+=("$1") ;;
  esac
  shift
done
[[ -n "$max_seconds" ]] || max_seconds=$(( quick ? 300 : 900 ))

[[ $build -eq 0 ]] || build_if_needed
[[ -f "$BENCH_JAR" && -d "$ROOT/benchmarks/target/lib" ]] || { echo "jmh.sh: $BENCH_JAR is missing; run without --no-build" >&2; exit 1; }
CP="$BENCH_CP"

args=(-rf json -rff "$out" -foe true -to 120s)
if [[ $quick -eq 1 ]]; then
  args+=(-wi 1 -w 300ms -i 2 -r 300ms -f 1)
  # JMH adds up the values of a parameter given twice: a -p after -- replaces these.
  [[ " ${jmh_extra[*]} " == *" message="* ]] || args+=(-p message=want,load,fetchFrom16,wantLongUrl)
  [[ " ${jmh_extra[*]} " == *" objectMiB="* ]] || args+=(-p objectMiB=8)
fi
if [[ $gc -eq 1 ]]; then
  args+=(-prof gc)
fi
mkdir -p "$(dirname "$out")"
rm -f "$out"

echo "JMH: ${includes[*]:-all benchmarks}$([[ $quick -eq 1 ]] && echo ', quick'); at most ${max_seconds}s" >&2
load_start="$(cut -d' ' -f1 /proc/loadavg)"
status=0
timeout -k 15 "$max_seconds" "$JAVA" -cp "$CP" org.openjdk.jmh.Main "${args[@]}" "${jmh_extra[@]}" "${includes[@]}" || status=$?
if [[ $status -eq 124 ]]; then
  echo "jmh.sh: stopped after ${max_seconds}s (--max-seconds); JMH writes its results only at the end, so there are none" >&2
fi
if [[ -s "$out" ]]; then
  echo
  echo "Summary ($out; $(nproc) CPUs, $("$JAVA" -version 2>&1 | head -1)):"
  "$JAVA" -cp "$CP" dev.potluck.bench.jmh.JmhReport "$out"
  load_end="$(cut -d' ' -f1 /proc/loadavg)"
  echo "load average (1 min) at start / end: $load_start / $load_end on $(nproc) CPUs"
  if awk -v a="$load_start" -v b="$load_end" -v n="$(nproc)" 'BEGIN { exit !(a > n || b > n) }'; then
    echo "other work was running: figures may be disturbed"
  fi
fi
[[ $status -eq 0 ]] || exit "$status"

if [[ $hit -eq 1 ]]; then
  echo
  echo "Cache-hit serving against nginx (single-node benchmark, hit part):"
  hit_args=(--jar "$NODE_JAR" --only hit)
  [[ $quick -eq 1 ]] && hit_args+=(--quick)
  exec "$JAVA" -Xmx1g -cp "$BENCH_CP" dev.potluck.bench.SingleNodeBench "${hit_args[@]}"
fi
