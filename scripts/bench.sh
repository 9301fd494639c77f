#!/usr/bin/env bash
# Side-by-side benchmark on this machine, over loopback, in one run:
#   floor     bench/OrleansIm.Floor: a bare Kestrel relay of the same frames (TCP and WebSocket), no grains, no storage
#   peer      bench/OrleansIm.Peer: an ASP.NET Core SignalR hub doing the same relay (WebSocket, MessagePack),
#             driven by a lean client of the hub protocol (--client signalr-lean); its closed-loop chat is also run
#             with the SignalR .NET client (--client signalr), which saturates before the hub does, and shown beside it
#   embedded  OrleansIm, embedded mode
#   postgres  OrleansIm on a throwaway PostgreSQL 15 with fsync on
# Every figure is also given as a ratio of the floor's on the same transport. The load tool's own report for each
# cell is appended to the log ($BENCH_LOG, default /tmp/orleansim-bench.log).
#   scripts/bench.sh [--quick]     --quick: fewer messages and no 10,000-session room or 15,000 idle sessions
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
pairs=50 window=16 messages=8000 room_messages=2000 room_big_messages=200 idle_sizes="5000 15000" room_sizes="1000 10000"
if [ $quick = 1 ]; then messages=1000 room_messages=300 idle_sizes="5000" room_sizes="1000"; fi
ulimit -n 20000 2>/dev/null || true

# shellcheck source=scripts/throwaway-postgres.sh
. scripts/throwaway-postgres.sh

dotnet build OrleansIm.sln -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d)
log=${BENCH_LOG:-/tmp/orleansim-bench.log}
: >"$log"
server_pid="" pg_data="" pg_port=""
stop_server() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; fi; }
cleanup() {
  stop_server
  stop_throwaway_postgres
  rm -rf "$work"
}
trap cleanup EXIT

start_postgres() { start_throwaway_postgres "$work"; }

# start_server floor|peer|embedded|postgres: sets http_port and tcp_port, waits for /healthz.
start_server() {
  http_port=$(free_port); tcp_port=$(free_port)
  case "$1" in
    floor) dotnet bench/OrleansIm.Floor/bin/Release/net10.0/OrleansIm.Floor.dll --http "$http_port" --tcp "$tcp_port" >"$work/$1.log" 2>&1 & ;;
    peer) dotnet bench/OrleansIm.Peer/bin/Release/net10.0/OrleansIm.Peer.dll --http "$http_port" >"$work/$1.log" 2>&1 & ;;
    *)
      local postgres=""
      [ "$1" = postgres ] && postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=50"
      ASPNETCORE_ENVIRONMENT=Development Gateway__ListenAddress=127.0.0.1 Gateway__HttpPort="$http_port" Gateway__TcpPort="$tcp_port" \
        Orleans__SiloPort="$(free_port)" Orleans__GatewayPort="$(free_port)" \
        Gateway__RequestsPerSecond=1000000 Gateway__RequestBurst=1000000 \
        Logging__LogLevel__Default=Warning Logging__LogLevel__OrleansIm=Warning ConnectionStrings__Postgres="$postgres" \
        dotnet Silo/bin/Release/net10.0/OrleansIm.Silo.dll >"$work/$1.log" 2>&1 & ;;
  esac
  server_pid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "$1 did not start:" >&2; cat "$work/$1.log" >&2; return 1
}

load() {
  local client=lean
  [ "$current" = peer ] && client=signalr-lean
  dotnet bench/OrleansIm.Load/bin/Release/net10.0/OrleansIm.Load.dll --tcp "$tcp_port" --http "$http_port" --client "$client" "$@" 2>&1
}

# The server's CPU time so far in clock ticks (user + system), from /proc.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
# Bytes the server allocated so far (the runtime's counter at /metrics; OrleansIm only, empty elsewhere).
allocated() { { curl -sf "http://127.0.0.1:$http_port/metrics" 2>/dev/null || true; } | awk '/^dotnet_gc_heap_total_allocated_bytes_total/ {print $2}'; }

# Runs one load and keeps the lines that matter; the whole report goes to the log. The server's CPU and allocations
# over the run are kept per acknowledged message (the logins of the run's sessions are in them too).
measure() {
  local name=$1; shift
  local out ticks0 ticks1 alloc0 alloc1 acked
  ticks0=$(cpu_ticks); alloc0=$(allocated)
  out=$(load "$@") || true
  ticks1=$(cpu_ticks); alloc1=$(allocated)
  acked=$(sed -n 's/.*acked=\([0-9]*\).*/\1/p' <<<"$out" | head -n 1)
  if [ -n "$acked" ] && [ "$acked" -gt 0 ]; then
    cost[$current:$name]=$(awk -v t=$((ticks1 - ticks0)) -v hz="$(getconf CLK_TCK)" -v n="$acked" -v a0="$alloc0" -v a1="$alloc1" \
      'BEGIN { printf "%.1f us", t * 1e6 / hz / n; if (a0 != "" && a1 != "") printf ", %d B", (a1 - a0) / n }')
  fi
  printf '%s\n' "--- $current: $name (server CPU, allocated per message: ${cost[$current:$name]:--})" "$out" >>"$log"
  result[$current:$name]=$(tr '\n' ' ' <<<"$out")
}
field() { sed -n "s|.*$2=\([0-9.]*\).*|\1|p" <<<"${result[$1]:-}" | head -n 1; }
# The latency figures come after the throughput line; pick the first after "ack latency" or "delivery latency".
latency() { sed -n "s/.*$2 latency ms: *p50=\([0-9.]*\) p99=\([0-9.]*\) p99.9=\([0-9.]*\).*/\1 \/ \2 \/ \3/p" <<<"${result[$1]:-}" | head -n 1; }

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
# Idle sessions are measured on a server started for them alone: after the other scenarios its heap has grown
# and would absorb them.
measure_idle() {
  local transport=$1 n=$2 ready="$work/ready-$current-$transport-$n"
  local before after
  stop_server; start_server "$current"
  sleep 3; before=$(rss_kb)
  load --scenario idle --transport "$transport" --online "$n" --hold 6 --ready-file "$ready" >"$work/idle.out" &
  local idle_pid=$!
  for _ in $(seq 1 600); do { [ -f "$ready" ] || ! kill -0 "$idle_pid" 2>/dev/null; } && break; sleep 0.5; done
  sleep 3; after=$(rss_kb)
  wait "$idle_pid" || true
  printf '%s\n' "--- $current: idle $transport $n (RSS before ${before} kB, held ${after} kB)" "$(cat "$work/idle.out")" >>"$log"
  if [ -f "$ready" ]; then
    result[$current:idle-$transport-$n]=$(python3 -c "print(f'{($after-$before)/$n:.1f}')")
  fi
}

declare -A result open_rate cost
floor_rate() { field "floor:chat-$1" throughput; }
for current in floor peer embedded postgres; do
  [ "$current" = postgres ] && start_postgres
  start_server "$current"
  # The first seconds after a start, measured as the first run: open loop at 25% of the floor's TCP maximum.
  if [ "$current" = embedded ]; then
    rate=$(python3 -c "print(int(${floor_tcp_max:-0} * 0.25))")
    [ "$rate" -gt 0 ] && measure "cold-tcp" --transport tcp --pairs "$pairs" --messages $((rate * 10 / pairs)) --rate "$rate"
  fi
  # A short discarded run first: the JIT's tiering and first activations are not what is measured.
  load --transport tcp --pairs 10 --messages 2000 --window 16 >/dev/null 2>&1 || true
  transports="tcp ws"
  [ "$current" = peer ] && transports="ws"
  for transport in $transports; do
    measure "chat-$transport" --transport "$transport" --pairs "$pairs" --messages "$messages" --window "$window"
    [ "$current" = floor ] && [ "$transport" = tcp ] && floor_tcp_max=$(floor_rate tcp)
    [ "$current" = peer ] && measure "chat-$transport-dotnet" --transport "$transport" --pairs "$pairs" --messages "$messages" --window "$window" --client signalr
    base=$(floor_rate "$transport")
    rate=$(python3 -c "print(int(${base:-0} * 0.25))")
    open_rate[$transport]=$rate
    [ "$rate" -gt 0 ] && measure "open-$transport" --transport "$transport" --pairs "$pairs" --messages $((rate * 10 / pairs)) --rate "$rate"
    if [ "$current" != postgres ]; then
      for n in $room_sizes; do
        m=$room_messages; [ "$n" -gt 1000 ] && m=$room_big_messages
        measure "room-$transport-$n" --scenario room --transport "$transport" --online "$n" --messages "$m" --window 256
      done
    fi
    if [ "$current" = embedded ] || [ "$current" = postgres ]; then
      measure "group-$transport" --scenario group --transport "$transport" --members 1000 --online 200 --messages 200
    fi
    if [ "$current" != postgres ]; then
      for n in $idle_sizes; do measure_idle "$transport" "$n"; done
    fi
  done
  stop_server
done

ratio() { python3 -c "import sys; a,b=sys.argv[1],sys.argv[2]; print(f'{float(a)/float(b):.2f}x' if a and b and float(b) else '-')" "${1:-}" "${2:-}"; }
servers="floor peer embedded postgres"
echo "# scripts/bench.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; load tool on the same machine"
echo
echo "## Chat, closed loop: $pairs pairs, up to $window unacknowledged per sender (messages/s, ratio to the floor)"
echo
echo "| transport | floor | peer (SignalR; hub-protocol client / SignalR .NET client) | embedded | postgres (fsync on) |"
echo "|---|---:|---:|---:|---:|"
for t in tcp ws; do
  row="| $t"
  for s in $servers; do
    v=$(field "$s:chat-$t" throughput); row+=" | ${v:--} ($(ratio "$v" "$(floor_rate "$t")"))"
    if [ "$s" = peer ] && [ -n "${result[peer:chat-$t-dotnet]:-}" ]; then row+=" / $(field "peer:chat-$t-dotnet" throughput)"; fi
  done
  echo "$row |"
done
echo
echo "## Server CPU and allocation per chat message in those runs (CPU µs; bytes allocated, OrleansIm only)"
echo
echo "| transport | floor | peer (SignalR) | embedded | postgres |"
echo "|---|---:|---:|---:|---:|"
for t in tcp ws; do
  row="| $t"
  for s in $servers; do row+=" | ${cost[$s:chat-$t]:--}"; done
  echo "$row |"
done
echo
echo "## Chat, open loop at 25% of the floor's maximum: ACK latency p50 / p99 / p99.9 ms, from the intended send time"
echo
echo "| transport | rate | floor | peer (SignalR) | embedded | postgres |"
echo "|---|---:|---:|---:|---:|---:|"
for t in tcp ws; do
  row="| $t | ${open_rate[$t]:--}"
  for s in $servers; do v=$(latency "$s:open-$t" ack); row+=" | ${v:--}"; done
  echo "$row |"
done
echo
echo "Embedded, TCP, the first run after a start (before any warm-up) against the same load warm: $(latency embedded:cold-tcp ack || true) against $(latency embedded:open-tcp ack || true)"
echo
echo "## Room fan-out, one sender keeping 256 ROOM-BC in flight: deliveries/s (ratio to the floor), delivery p99 ms"
echo
echo "| transport | sessions | floor | peer (SignalR) | embedded |"
echo "|---|---:|---:|---:|---:|"
for t in tcp ws; do
  for n in $room_sizes; do
    f=$(field "floor:room-$t-$n" "deliveries/s")
    row="| $t | $n"
    for s in floor peer embedded; do
      v=$(field "$s:room-$t-$n" "deliveries/s"); p=$(latency "$s:room-$t-$n" delivery | cut -d/ -f2 | tr -d ' ')
      row+=" | ${v:--} ($(ratio "$v" "$f")), ${p:--}"
    done
    echo "$row |"
  done
done
echo
echo "## Group of 1,000 members, 200 online (ImClient-based scenario): deliveries/s, time to reach all p50 / p99 ms"
echo
echo "| transport | embedded | postgres |"
echo "|---|---:|---:|"
for t in tcp ws; do
  row="| $t"
  for s in embedded postgres; do
    v=$(field "$s:group-$t" "deliveries/s"); p=$(sed -n 's/.*sessions ms: p50=\([0-9.]*\) p99=\([0-9.]*\).*/\1 \/ \2/p' <<<"${result[$s:group-$t]:-}")
    row+=" | ${v:--}, ${p:--}"
  done
  echo "$row |"
done
echo
echo "## Server memory per idle logged-in connection (RSS growth / sessions, KB)"
echo
echo "| transport | sessions | floor | peer (SignalR) | embedded |"
echo "|---|---:|---:|---:|---:|"
for t in tcp ws; do
  for n in $idle_sizes; do
    f=${result[floor:idle-$t-$n]:-}
    row="| $t | $n"
    for s in floor peer embedded; do v=${result[$s:idle-$t-$n]:-}; row+=" | ${v:--} ($(ratio "$v" "$f"))"; done
    echo "$row |"
  done
done
echo
lost=$(grep -ho 'lost=[0-9]*' "$log" | awk -F= '{s+=$2} END {print s+0}')
disconnected=$(grep -hc 'disconnected\|outbound queue full' "$log" | awk '{s+=$1} END {print s+0}' || true)
echo "Lost deliveries over all runs: $lost; load-tool disconnections reported: $disconnected. Full reports: $log"
