#!/usr/bin/env bash
# Heap allocations per message in screener-server under the load generator:
# the one per-message figure that stays exact on a noisy machine (time per
# message moves by ±10 % between runs here; this moves by a few tenths).
#
#   bench/allocs.sh                     # 1,000 connections, phq9, ping-pong
#   bench/allocs.sh --connections 100 --script emotional-numbness
#
# Build first (Release): cmake --build build-bench --target screener-server
#   screener-load count-allocs
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-bench
CONNS=1000
SCRIPT=phq9
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --script) SCRIPT=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "allocs.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
SHIM=$BUILD/bench/libcount-allocs.so
for f in "$BUILD/screener-server" "$BUILD/bench/screener-load" "$SHIM"; do
  [ -e "$f" ] || { echo "allocs.sh: $f is missing: build it first (--help)" >&2; exit 2; }
done
ulimit -n "$(ulimit -Hn)"
WORK=$(mktemp -d /tmp/screener-allocs.XXXXXX)
PORT=18085
COUNT_ALLOCS_FILE=$WORK/count LD_PRELOAD=$SHIM "$BUILD/screener-server" --port $PORT \
  --scripts "$ROOT/scripts" --web "$ROOT/web" --state-dir "$WORK/state" --threads 1 \
  --max-connections 20000 --rate 1000000 --burst 1000000 > "$WORK/server.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.1; done
"$BUILD/bench/screener-load" --url "ws://127.0.0.1:$PORT/ws" --connections "$CONNS" --duration 6 --warmup 1 \
  --script "$SCRIPT" > "$WORK/load.txt" 2>&1 &
LPID=$!
messages() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk '$1 == "screener_messages_in_total" {print $2}'; }
sample() {  # prints "allocations messages"
  kill -USR2 $SPID
  sleep 0.2
  echo "$(cat "$WORK/count") $(messages)"
}
sleep 4  # the ramp and the warm-up are over
read -r a1 m1 < <(sample)
sleep 3
read -r a2 m2 < <(sample)
wait $LPID || true
awk -v a=$((a2 - a1)) -v m=$((m2 - m1)) -v n="$CONNS" -v s="$SCRIPT" 'BEGIN {
  printf "allocations per message: %.1f  (%d messages, %d connections, script %s)\n", a / m, m, n, s }'
