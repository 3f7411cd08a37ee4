#!/usr/bin/env bash
# Runs the same load against screener-server and its two baselines (the Beast
# echo server, the Node `ws` server with JSON + 20 regexes), interleaved, each
# repeat in a new server process, the server pinned to one core and the load
# client to the other, and prints a side-by-side table of medians.
#
#   bench/run.sh                      # the full run of docs/performance.md (~20 min)
#   bench/run.sh --quick              # a smoke test: tiny, seconds
#   bench/run.sh --connections "1000" --repeats 5 --rates "" --servers "screener echo"
#
# Options (defaults in brackets):
#   --build DIR          build tree with screener-server and bench/ [build-bench]
#   --connections "N..." saturation (ping-pong) runs at these sizes [100 1000 10000]
#   --rates "R..."       fixed-rate runs at these msg/s ... [2000 10000]
#   --rate-connections N ... over this many connections [10000]
#   --repeats K          repeats of every measurement, interleaved [3]
#   --duration S         measured seconds per run [10]
#   --warmup S           seconds of load before measuring [5]
#   --servers "..."      any of: screener echo node [screener echo node]
#   --script ID          script the conversations follow [phq9]
#   --server-cpu C       core for the server [0]
#   --client-cpu C       core for the load client [1]
#   --out DIR            keep logs and results here [a new /tmp/screener-bench.*]
#   --quick              --connections 50 --rates 500 --rate-connections 50
#                        --repeats 1 --duration 1 --warmup 0.5
# Extra flags for screener-server go in SCREENER_SERVER_ARGS.
#
# Build first (Release):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench --target screener-server screener-load beast-echo
#   (cd bench/node-baseline && npm ci)
# Measure on a quiet machine: the script warns when it is not.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-bench
CONNS="100 1000 10000"
RATES="2000 10000"
RATE_CONNS=10000
REPEATS=3
DURATION=10
WARMUP=5
SERVERS="screener echo node"
SCRIPT=phq9
SERVER_CPU=0
CLIENT_CPU=1
OUT=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --rates) RATES=$2; shift 2 ;;
    --rate-connections) RATE_CONNS=$2; shift 2 ;;
    --repeats) REPEATS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --script) SCRIPT=$2; shift 2 ;;
    --server-cpu) SERVER_CPU=$2; shift 2 ;;
    --client-cpu) CLIENT_CPU=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --quick) CONNS=50; RATES=500; RATE_CONNS=50; REPEATS=1; DURATION=1; WARMUP=0.5; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

SERVER_BIN=$BUILD/screener-server
LOAD=$BUILD/bench/screener-load
ECHO_BIN=$BUILD/bench/beast-echo
NODE_DIR=$ROOT/bench/node-baseline
for s in $SERVERS; do
  case $s in
    screener) need=$SERVER_BIN ;;
    echo) need=$ECHO_BIN ;;
    node) need=$NODE_DIR/node_modules/ws/package.json ;;
    *) echo "run.sh: unknown server $s (screener, echo or node)" >&2; exit 2 ;;
  esac
  if [ ! -e "$need" ]; then
    echo "run.sh: $need is missing: build it first (see bench/run.sh --help)" >&2
    exit 2
  fi
done
[ -x "$LOAD" ] || { echo "run.sh: $LOAD is missing: build it first" >&2; exit 2; }

# 10,000 connections need more descriptors than the usual soft limit of 1,024,
# in the servers as well as in the client.
ulimit -n "$(ulimit -Hn)"
OUT=${OUT:-$(mktemp -d /tmp/screener-bench.XXXXXX)}
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: > "$RESULTS"

PORT_SCREENER=18080
PORT_ECHO=18081
PORT_NODE=18090
SPID=""

cpu_busy_percent() {  # share of all cores in use over 2 s, from /proc/stat (steal counts: another VM has them)
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  sleep 2
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
  echo "$a $b" | awk '{busy = $3 - $1; idle = $4 - $2; total = busy + idle; printf "%d", (total ? 100 * busy / total : 0)}'
}

machine_notes() {
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC') $(uname -srm); $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version 2>/dev/null || echo none); ws $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$NODE_DIR/node_modules/ws/package.json" 2>/dev/null | head -1)"
  echo "# server on cpu $SERVER_CPU, client on cpu $CLIENT_CPU; warmup ${WARMUP}s, measured ${DURATION}s, $REPEATS repeats; script $SCRIPT"
  # The load average lags by minutes (the runs just before count); what the
  # cores do over the next 2 s does not.
  local busy
  busy=$(cpu_busy_percent)
  echo "# cores busy over 2 s before the run: ${busy} %"
  if pgrep -x cc1plus > /dev/null || [ "$busy" -gt 10 ]; then
    echo "# WARNING: the machine is busy (over 10 % of the cores in use, or a compiler running): figures will be low and noisy"
  fi
}

port_of() {
  case $1 in screener) echo $PORT_SCREENER ;; echo) echo $PORT_ECHO ;; node) echo $PORT_NODE ;; esac
}
protocol_of() { if [ "$1" = screener ]; then echo screener; else echo echo; fi; }

wait_listening() {  # port, pid
  for _ in $(seq 1 300); do
    if ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; then return 0; fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start_server() {  # name, run id
  local name=$1 id=$2 port
  port=$(port_of "$name")
  if ss -ltnH "sport = :$port" | grep -q .; then
    echo "run.sh: port $port is already in use" >&2
    exit 1
  fi
  case $name in
    screener)
      rm -rf "$OUT/state-$id"
      mkdir -p "$OUT/state-$id"
      # One thread on one core, like the baselines; limits raised so the
      # bench measures the server, not its rate limiter or connection cap.
      # shellcheck disable=SC2086
      taskset -c "$SERVER_CPU" "$SERVER_BIN" --port "$port" --scripts "$ROOT/scripts" --web "$ROOT/web" \
        --state-dir "$OUT/state-$id" --threads 1 --max-connections 20000 --rate 1000000 --burst 1000000 \
        ${SCREENER_SERVER_ARGS:-} > "$OUT/server-$id.log" 2>&1 &
      ;;
    echo)
      taskset -c "$SERVER_CPU" "$ECHO_BIN" --port "$port" > "$OUT/server-$id.log" 2>&1 &
      ;;
    node)
      (cd "$NODE_DIR" && exec taskset -c "$SERVER_CPU" node server.mjs --port "$port") > "$OUT/server-$id.log" 2>&1 &
      ;;
  esac
  SPID=$!
  if ! wait_listening "$port" "$SPID"; then
    echo "run.sh: $name did not start; its log:" >&2
    tail -20 "$OUT/server-$id.log" >&2
    stop_server
    exit 1
  fi
}

stop_server() {
  [ -n "$SPID" ] || return 0
  kill -TERM "$SPID" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  SPID=""
}
trap 'stop_server' EXIT
trap 'exit 130' INT TERM

run_one() {  # name, repeat, connections, mode, rate
  local name=$1 rep=$2 n=$3 mode=$4 rate=$5 id port
  id="$name-$mode-$n-$rate-r$rep"
  port=$(port_of "$name")
  start_server "$name" "$id"
  echo "== $id" | tee -a "$OUT/load.log"
  taskset -c "$CLIENT_CPU" "$LOAD" --url "ws://127.0.0.1:$port/ws" --connections "$n" \
    --duration "$DURATION" --warmup "$WARMUP" --mode "$mode" --rate "$rate" \
    --protocol "$(protocol_of "$name")" --script "$SCRIPT" --server-pid "$SPID" \
    --label "$name/r$rep" > "$OUT/load-$id.txt" 2>&1 || true
  grep -v '^RESULT' "$OUT/load-$id.txt" | sed 's/^/   /' | tee -a "$OUT/load.log"
  grep '^RESULT' "$OUT/load-$id.txt" | sed "s/^RESULT /RESULT server=$name repeat=$rep /" >> "$RESULTS" || true
  stop_server
  sleep 1  # let the closed sockets go
}

# Rotate the order of the servers each repeat, so none always runs first.
order() {  # repeat
  local -a s
  read -r -a s <<< "$SERVERS"
  local k=$(( $1 % ${#s[@]} ))
  echo "${s[@]:k}" "${s[@]:0:k}"
}

machine_notes | tee "$OUT/machine.txt"
echo "# logs and raw results in $OUT"
for n in $CONNS; do
  for rep in $(seq 1 "$REPEATS"); do
    for name in $(order "$rep"); do run_one "$name" "$rep" "$n" pingpong 0; done
  done
done
for rate in $RATES; do
  for rep in $(seq 1 "$REPEATS"); do
    for name in $(order "$rep"); do run_one "$name" "$rep" "$RATE_CONNS" rate "$rate"; done
  done
done
machine_notes | grep WARNING || true

python3 - "$RESULTS" <<'EOF'
import sys, statistics
from collections import defaultdict

rows = []
for line in open(sys.argv[1]):
    kv = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
    rows.append(kv)

def med(xs):
    return statistics.median(xs) if xs else float("nan")

groups = defaultdict(list)
for r in rows:
    groups[(r["mode"], int(r["connections"]), float(r["offered"]), r["server"])].append(r)

def f(r, k):
    return float(r[k])

# Server CPU time per message: less sensitive than msg/s to a busy machine
# or a client that cannot keep up; 1e6 / it is the one-core ceiling.
def cpu_us(r):
    rate = f(r, "msgs_per_s")
    return 1e4 * f(r, "server_cpu") / rate if rate > 0 else float("nan")

print()
print("Medians over repeats; 'max' is the worst of the repeats; memory is the server's RSS")
print("growth per open idle connection; cpu is percent of one core in the measured period;")
print("us/msg is server CPU time per message.")
hdr = f"{'mode':<9}{'conns':>6}{'offered':>8}  {'server':<9}{'msg/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'p99.9':>8}{'max ms':>9}{'unans':>6}{'setup/s':>8}{'KiB/conn':>9}{'errors':>7}{'srv cpu':>8}{'cli cpu':>8}{'us/msg':>7}"
print(hdr)
print("-" * len(hdr))
for key in sorted(groups, key=lambda k: (k[0] != "pingpong", k[1], k[2], k[3])):
    g = groups[key]
    mode, n, offered, server = key
    print(f"{mode:<9}{n:>6}{offered:>8.0f}  {server:<9}"
          f"{med([f(r,'msgs_per_s') for r in g]):>8.0f}"
          f"{med([f(r,'p50_ms') for r in g]):>8.3f}"
          f"{med([f(r,'p99_ms') for r in g]):>8.3f}"
          f"{med([f(r,'p999_ms') for r in g]):>8.3f}"
          f"{max(f(r,'max_ms') for r in g):>9.1f}"
          f"{max(int(r['unanswered']) for r in g):>6}"
          f"{med([f(r,'setup_per_s') for r in g]):>8.0f}"
          f"{med([f(r,'rss_kib_per_conn') for r in g]):>9.2f}"
          f"{sum(int(r['errors']) for r in g):>7}"
          f"{med([f(r,'server_cpu') for r in g]):>8.0f}"
          f"{med([f(r,'client_cpu') for r in g]):>8.0f}"
          f"{med([cpu_us(r) for r in g]):>7.1f}")

# Ratios taken within one repeat (same minute, same machine state), then the median.
print()
by_rep = defaultdict(dict)
for r in rows:
    if r["mode"] == "pingpong":
        by_rep[(int(r["connections"]), r["repeat"])][r["server"]] = f(r, "msgs_per_s")
for n in sorted({k[0] for k in by_rep}):
    reps = [v for k, v in by_rep.items() if k[0] == n and "screener" in v]
    for base, target in (("echo", 0.70), ("node", 2.0)):
        ratios = [v["screener"] / v[base] for v in reps if v.get(base)]
        if ratios:
            print(f"N={n:<6} screener / {base:<4} throughput: median {med(ratios):.2f} "
                  f"(per repeat: {', '.join(f'{x:.2f}' for x in ratios)}; target at N=1000: >= {target:g})")
    cpu = defaultdict(list)
    for r in rows:
        if r["mode"] == "pingpong" and int(r["connections"]) == n:
            cpu[r["server"]].append(cpu_us(r))
    if "screener" in cpu:
        for base in ("echo", "node"):
            if base in cpu:
                print(f"N={n:<6} {base} / screener server CPU per message: {med(cpu[base]) / med(cpu['screener']):.2f}")
EOF
