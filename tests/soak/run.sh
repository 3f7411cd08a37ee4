#!/bin/sh
# Runs screener-soak against a fresh screener-server (loopback, its own state
# dir) and checks the server survived and stops cleanly.
#   tests/soak/run.sh SERVER SOAK [screener-soak flags]
# From the repository root (scripts/ and web/). ctest runs the short version
# (soak.short); docs/reliability.md has the long one.
set -u
server=$1
soak=$2
shift 2
dir=$(mktemp -d /tmp/screener-soak-XXXXXX)
trap 'rm -rf "$dir"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
"$server" --scripts scripts --web web --state-dir "$dir/state" --port 0 --max-connections 20000 \
  2>"$dir/server.log" &
pid=$!
port=""
for _ in $(seq 1 300); do
  port=$(grep -o '"event":"start".*"port":[0-9]*' "$dir/server.log" 2>/dev/null | grep -o '"port":[0-9]*' | head -1 | cut -d: -f2)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "soak: the server did not start"; cat "$dir/server.log"; kill -9 "$pid" 2>/dev/null; exit 1
fi
"$soak" --port "$port" --server-pid "$pid" "$@"
rc=$?
if ! kill -0 "$pid" 2>/dev/null; then
  echo "soak: the server died"; tail -20 "$dir/server.log"; exit 1
fi
kill -TERM "$pid"
wait "$pid"
status=$?
echo "soak: server stopped with status $status; log lines by level:" \
  "$(grep -o '"level":"[a-z]*"' "$dir/server.log" | sort | uniq -c | tr '\n' ' ')"
grep '"level":"error"' "$dir/server.log" | head -5
[ "$status" -eq 0 ] || rc=1
exit $rc
