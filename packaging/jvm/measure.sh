#!/usr/bin/env bash
# Start-up time and peak RSS of the node under JVM settings, to choose the package's defaults.
#   packaging/jvm/measure.sh JAR RUNS 'label|jvm options' ...
# Each run starts 'java OPTIONS -jar JAR node' on loopback (no mDNS, ports of its own), times it from
# exec until /api/v1/status answers, reads there the CPU time it used (user + system: unlike the wall
# time, hardly changed by other load on the machine) and its peak RSS (VmHWM), and stops it with
# SIGTERM. Prints the medians over RUNS for each setting.
set -euo pipefail
jar=$1; runs=$2; shift 2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 10000))
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for setting in "$@"; do
  label=${setting%%|*}; opts=${setting#*|}
  : > "$work/ms"; : > "$work/rss"; : > "$work/cpu"
  for _ in $(seq "$runs"); do
    rm -rf "$work/cache"
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    java $opts -jar "$jar" node --listen "127.0.0.1:$port" --bind 127.0.0.1 --no-mdns --peer-port 0 \
      --cluster-port 0 --cluster "measure-$$" --cache-dir "$work/cache" >"$work/log" 2>&1 &
    pid=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/api/v1/status"; do
      kill -0 "$pid" 2>/dev/null || { cat "$work/log"; exit 1; }
      sleep 0.02
    done
    echo $(( ($(date +%s%N) - start) / 1000000 )) >> "$work/ms"
    awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status" >> "$work/rss"
    # utime and stime, fields 14 and 15, in clock ticks; the command name holds no spaces here.
    awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$pid/stat" >> "$work/cpu"
    kill -TERM "$pid"; wait "$pid" || true
  done
  printf '%-28s start-up %5s ms, CPU %5s ms, peak RSS %4s MiB (median of %s; %s)\n' "$label" \
    "$(median < "$work/ms")" "$(median < "$work/cpu")" "$(median < "$work/rss")" "$runs" "$opts"
done
