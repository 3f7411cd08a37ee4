#!/usr/bin/env bash
# Throughput and latency of two screener-server instances (--store redis://)
# behind nginx, against one instance direct (state dir) and one instance
# direct with Redis, side by side, interleaved. Loopback only.
# Usage: tests/scale/bench.sh [BUILD_DIR] [LOAD_BUILD_DIR]
#   env: CONNECTIONS (100), DURATION (5), WARMUP (2), REPEATS (3)
# Needs redis-server, nginx and screener-load (bench/, SCREENER_BUILD_BENCH=ON).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
LOAD=${2:-$BUILD}/bench/screener-load
SERVER=$BUILD/screener-server
CONNECTIONS=${CONNECTIONS:-100}; DURATION=${DURATION:-5}; WARMUP=${WARMUP:-2}; REPEATS=${REPEATS:-3}
[[ -x $LOAD && -x $SERVER ]] || { echo "bench: need $SERVER and $LOAD" >&2; exit 2; }
tmp=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

rport=$(free_port)
taskset -c 0 redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" --daemonize no >"$tmp/redis.log" 2>&1 &
pids+=($!); wait_port "$rport"
common=(--scripts scripts --web web --threads 1 --rate 1000000 --burst 1000000 --log-level warn)
start_server() {  # name port extra...
  local name=$1 port=$2; shift 2
  mkdir -p "$tmp/$name"
  taskset -c 0 "$SERVER" "${common[@]}" --port "$port" --state-dir "$tmp/$name" "$@" 2>"$tmp/$name.log" &
  pids+=($!); wait_port "$port"
}
pa=$(free_port); pb=$(free_port); pf=$(free_port); pr=$(free_port); pn=$(free_port)
start_server a "$pa" --store "redis://127.0.0.1:$rport/0"
start_server b "$pb" --store "redis://127.0.0.1:$rport/0"
start_server file "$pf"
start_server redis1 "$pr" --store "redis://127.0.0.1:$rport/0"
mkdir -p "$tmp/nginx/logs"
cat >"$tmp/nginx/nginx.conf" <<CONF
$( [[ $(id -u) == 0 ]] && echo "user root;" )
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/b; proxy_temp_path $tmp/nginx/p; fastcgi_temp_path $tmp/nginx/f;
  uwsgi_temp_path $tmp/nginx/u; scgi_temp_path $tmp/nginx/s;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  upstream screener { server 127.0.0.1:$pa; server 127.0.0.1:$pb; }
  server {
    listen 127.0.0.1:$pn;
    location = /ws {
      proxy_pass http://screener; proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade; proxy_set_header Connection \$connection_upgrade;
      proxy_set_header Host \$http_host; proxy_read_timeout 600s; proxy_buffering off;
    }
  }
}
CONF
taskset -c 0 nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" -g 'daemon off;' &
pids+=($!); wait_port "$pn"

run() {  # label port
  taskset -c 1 "$LOAD" --url "ws://127.0.0.1:$2/ws" --connections "$CONNECTIONS" --duration "$DURATION" \
    --warmup "$WARMUP" --label "$1" 2>&1 | grep '^RESULT' || true
}
for i in $(seq "$REPEATS"); do
  run "one-direct-statedir" "$pf"
  run "one-direct-redis" "$pr"
  run "two-via-nginx-redis" "$pn"
done
