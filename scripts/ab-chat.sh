#!/usr/bin/env bash
# A/B of two Silo builds on private chat, alternating, with the SignalR peer between them (the machine's drift shows
# in every round instead of favouring one side):
#   scripts/ab-chat.sh DIR_A DIR_B [ROUNDS] [load tool arguments for both, e.g. --ws-packed no]
# DIR_A and DIR_B hold a Release build of the Silo (copy Silo/bin/Release/net10.0 aside before changing the code).
# Each round: A then B (embedded; a discarded warm-up, then TCP and WebSocket, 50 pairs, window 16, 8,000 messages
# per pair), then the peer over WebSocket. Prints messages/s and the server's CPU µs per acknowledged message.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,6p' "$0" >&2; exit 2; }
a=$1 b=$2 rounds=${3:-2}
shift $(( $# >= 3 ? 3 : 2 ))
extra=("$@")

# shellcheck source=scripts/throwaway-postgres.sh
. scripts/throwaway-postgres.sh
dotnet build OrleansIm.sln -c Release -v quiet -nologo >/dev/null
load=bench/OrleansIm.Load/bin/Release/net10.0/OrleansIm.Load.dll
work=$(mktemp -d)
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

wait_healthy() {
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "server did not start" >&2; return 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2" | head -n 1; }

run_silo() { # label dir
  local http tcp t0 t1 out acked
  http=$(free_port); tcp=$(free_port)
  ASPNETCORE_ENVIRONMENT=Development Gateway__ListenAddress=127.0.0.1 Gateway__HttpPort=$http Gateway__TcpPort=$tcp \
    Orleans__SiloPort=$(free_port) Orleans__GatewayPort=$(free_port) Gateway__RequestsPerSecond=1000000 Gateway__RequestBurst=1000000 \
    Logging__LogLevel__Default=Warning Logging__LogLevel__OrleansIm=Warning ConnectionStrings__Postgres= \
    dotnet "$2/OrleansIm.Silo.dll" >"$work/$1.log" 2>&1 &
  pid=$!
  wait_healthy "$http"
  dotnet "$load" --tcp "$tcp" --http "$http" --client lean --transport tcp --pairs 10 --messages 2000 --window 16 >/dev/null 2>&1 || true
  for t in tcp ws; do
    t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$(dotnet "$load" --tcp "$tcp" --http "$http" --client lean --transport "$t" --pairs 50 --messages 8000 --window 16 "${extra[@]}" 2>&1) || true
    t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    acked=$(field acked "$out")
    echo "$1 $t messages/s=$(field throughput "$out") cpu_us=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="${acked:-0}" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "-" }')"
  done
  stop
}

run_peer() {
  local http out
  http=$(free_port)
  dotnet bench/OrleansIm.Peer/bin/Release/net10.0/OrleansIm.Peer.dll --http "$http" >"$work/peer.log" 2>&1 &
  pid=$!
  wait_healthy "$http"
  dotnet "$load" --http "$http" --client signalr-lean --transport ws --pairs 10 --messages 2000 --window 16 >/dev/null 2>&1 || true
  out=$(dotnet "$load" --http "$http" --client signalr-lean --transport ws --pairs 50 --messages 8000 --window 16 2>&1) || true
  echo "peer ws messages/s=$(field throughput "$out")"
  stop
}

for round in $(seq 1 "$rounds"); do
  echo "round $round"
  run_silo A "$a"
  run_silo B "$b"
  run_peer
done
