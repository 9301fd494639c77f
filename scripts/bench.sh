#!/usr/bin/env bash
# Side-by-side benchmark: the floor (bench/OrleansIm.Floor, a bare relay of the same frames), OrleansIm embedded and
# OrleansIm on a throwaway PostgreSQL 15 (fsync on), each driven by the same load tool over loopback on this machine.
# Prints a Markdown table with each product figure as a ratio of the floor's; the load tool's own lines go to
# $BENCH_LOG (default: a temporary file, shown at the end).
#   scripts/bench.sh [--pairs 50] [--messages 2000] [--window 16]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=50 messages=2000 window=16
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) pairs=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    *) echo "usage: scripts/bench.sh [--pairs N] [--messages N] [--window N]" >&2; exit 2 ;;
  esac
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

dotnet build OrleansIm.sln -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d)
log=${BENCH_LOG:-$work/bench.log}
server_pid=""
pg_data=""
stop_server() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; fi; }
cleanup() {
  stop_server
  if [ -n "$pg_data" ]; then runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true; fi
  [ -z "${BENCH_LOG:-}" ] && cp "$log" /tmp/orleansim-bench.log 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_healthy() {
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "server on $1 did not start" >&2; return 1
}

# start_server floor|embedded|postgres: sets http_port and tcp_port.
start_server() {
  http_port=$(free_port); tcp_port=$(free_port)
  if [ "$1" = floor ]; then
    dotnet bench/OrleansIm.Floor/bin/Release/net10.0/OrleansIm.Floor.dll --http "$http_port" --tcp "$tcp_port" >"$work/floor.log" 2>&1 &
  else
    local extra=()
    [ "$1" = postgres ] && extra=(env "ConnectionStrings__Postgres=Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=50")
    env ASPNETCORE_ENVIRONMENT=Development Gateway__ListenAddress=127.0.0.1 Gateway__HttpPort="$http_port" Gateway__TcpPort="$tcp_port" \
      Orleans__SiloPort="$(free_port)" Orleans__GatewayPort="$(free_port)" \
      Gateway__RequestsPerSecond=1000000 Gateway__RequestBurst=1000000 \
      Logging__LogLevel__Default=Warning Logging__LogLevel__OrleansIm=Warning \
      "${extra[@]}" dotnet Silo/bin/Release/net10.0/OrleansIm.Silo.dll >"$work/silo-$1.log" 2>&1 &
  fi
  server_pid=$!
  wait_healthy "$http_port"
}

start_postgres() {
  [ -x /usr/lib/postgresql/15/bin/initdb ] || { apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null; }
  chown postgres "$work"
  pg_data="$work/data"
  pg_port=$(free_port)
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$pg_data" -A trust -U postgres --no-sync >/dev/null
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_data" -l "$work/pg.log" -w \
    -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" start >/dev/null
}

# run_chat TRANSPORT: prints "messages/s ack-p50 ack-p99 lost"
run_chat() {
  local out
  out=$(dotnet bench/OrleansIm.Load/bin/Release/net10.0/OrleansIm.Load.dll --tcp "$tcp_port" --http "$http_port" \
    --transport "$1" --pairs "$pairs" --messages "$messages" --window "$window" 2>&1) || true
  printf '%s\n' "--- $current $1" "$out" >>"$log"
  local rate p50 p99 lost
  rate=$(sed -n 's/.*throughput=\([0-9]*\).*/\1/p' <<<"$out")
  p50=$(sed -n 's/.*ack latency ms: *p50=\([0-9.]*\).*/\1/p' <<<"$out")
  p99=$(sed -n 's/.*ack latency ms:.*p99=\([0-9.]*\).*/\1/p' <<<"$out")
  lost=$(sed -n 's/.*lost=\([0-9]*\).*/\1/p' <<<"$out")
  echo "${rate:-0} ${p50:--} ${p99:--} ${lost:--}"
}

declare -A result
for current in floor embedded postgres; do
  [ "$current" = postgres ] && start_postgres
  start_server "$current"
  for transport in tcp ws; do
    result[$current-$transport]=$(run_chat "$transport")
  done
  stop_server
done

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}x' if b else '-')" "$1" "$2"; }
echo "chat closed loop: $pairs sender/receiver pairs, $messages messages each, up to $window unacknowledged per sender ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
echo
echo "| transport | server | messages/s | vs floor | ACK p50 ms | ACK p99 ms | lost |"
echo "|---|---|---:|---:|---:|---:|---:|"
for transport in tcp ws; do
  read -r floor_rate _ <<<"${result[floor-$transport]}"
  for server in floor embedded postgres; do
    read -r rate p50 p99 lost <<<"${result[$server-$transport]}"
    echo "| $transport | $server | $rate | $(ratio "$rate" "$floor_rate") | $p50 | $p99 | $lost |"
  done
done
