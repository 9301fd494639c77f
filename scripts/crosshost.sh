#!/usr/bin/env bash
# Cross-host costs: the same loads on one silo and spread over three hosts (scripts/netcluster.sh, one network
# namespace per silo, PostgreSQL storage in both), each printed as the load tool reports it, then one table.
#   private chat: sender and receiver on the same host against on different hosts (same 3-host cluster), and on one silo
#   group fan-out: a group of --members members, all online, on one silo against spread over three hosts
#   room fan-out: a room of --room sessions on one silo against spread over three hosts
# Needs root. The clients run in this namespace; on one machine the "hosts" share its cores, so the figures show
# what crossing silos costs in work (serialization, one more hop), not a network's latency.
#   scripts/crosshost.sh [--pairs 50] [--messages 4000] [--window 16] [--members 2000] [--room 5000]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=50 messages=4000 window=16 members=2000 room=5000
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) pairs=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --members) members=$2; shift 2 ;;
    --room) room=$2; shift 2 ;;
    *) echo "usage: scripts/crosshost.sh [--pairs N] [--messages N] [--window N] [--members N] [--room N]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "crosshost.sh: needs root" >&2; exit 1; }

# The load, not the per-connection and per-address limits, is what is measured (every client comes from one address).
export Gateway__RequestsPerSecond=1000000 Gateway__RequestBurst=1000000 Gateway__MaxConnectionsPerAddress=0 \
  Gateway__LoginsPerSecondPerAddress=100000 Gateway__LoginBurstPerAddress=100000 \
  Logging__LogLevel__Default=Warning Logging__LogLevel__OrleansIm=Warning
ulimit -n 20000
dotnet build bench/OrleansIm.Load -c Release -v quiet -nologo >/dev/null

tmp=$(mktemp -d)
cluster=""
stop_cluster() {
  if [ -n "$cluster" ]; then
    kill "$cluster" 2>/dev/null || true
    wait "$cluster" 2>/dev/null || true
    cluster=""
  fi
}
trap 'stop_cluster; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

h1=10.222.0.11 h2=10.222.0.12 h3=10.222.0.13

# start_cluster N: a cluster of N hosts, ready when host 1's /api/iplist lists all N TCP gateways.
# shellcheck source=scripts/netcluster-start.sh
. scripts/netcluster-start.sh
start_cluster() {
  start_netcluster "$1" "$tmp/cluster.log"
  for _ in $(seq 1 120); do
    [ "$(curl -sf "http://$h1:8002/api/iplist?type=tcp" | grep -o ':9002' | wc -l)" -ge "$1" ] && return
    sleep 0.5
  done
  echo "crosshost.sh: not every gateway reported"; exit 1
}

# measure NAME ARGS…: one run of the load tool (closed loop); its report goes to $tmp/NAME.out and to the screen.
measure() {
  local name=$1
  shift
  echo "--- $name: $*"
  dotnet bench/OrleansIm.Load/bin/Release/net10.0/OrleansIm.Load.dll --host "$h1" "$@" >"$tmp/$name.out" 2>&1 || true
  cat "$tmp/$name.out"
}

chat=(--transport tcp --pairs "$pairs" --messages "$messages" --window "$window")
# The owner sends; the other members are online (Groups:MaxMembers is 2,000 with the owner).
group=(--scenario group --transport tcp --members "$members" --online $((members - 1)) --messages 100)
roomload=(--scenario room --transport tcp --online "$room" --messages 1000 --window 16)

echo "=== one silo ==="
start_cluster 1
measure chat-one "${chat[@]}"
measure group-one "${group[@]}"
measure room-one "${roomload[@]}"
stop_cluster

echo "=== three hosts ==="
start_cluster 3
measure chat-same "${chat[@]}"
measure chat-cross "${chat[@]}" --hosts "$h1,$h2"
measure group-spread "${group[@]}" --hosts "$h1,$h2,$h3"
measure room-spread "${roomload[@]}" --hosts "$h1,$h2,$h3"
stop_cluster

num() { sed -n "s|.*$2=\([0-9.]*\).*|\1|p" "$tmp/$1.out" | head -1; }
line() { grep -m1 "$2" "$tmp/$1.out" | sed -n "s|.*$3=\([0-9.]*\).*|\1|p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
row() { printf "| %s | %s | %s | %s | %s |\n" "$@"; }

echo
echo "=== cross-host costs (PostgreSQL storage; clients in the root namespace) ==="
row "" "one silo" "same host (3 hosts)" "spread / cross-host (3 hosts)" "ratio"
row "---" "---:" "---:" "---:" "---"
row "private chat msgs/s, $pairs pairs, window $window" "$(num chat-one throughput)" "$(num chat-same throughput)" "$(num chat-cross throughput)" \
  "cross/same $(ratio "$(num chat-cross throughput)" "$(num chat-same throughput)")"
row "private chat ACK p99 ms" "$(line chat-one 'ack latency' p99)" "$(line chat-same 'ack latency' p99)" "$(line chat-cross 'ack latency' p99)" \
  "cross/same $(ratio "$(line chat-cross 'ack latency' p99)" "$(line chat-same 'ack latency' p99)")"
row "group of $members ($((members - 1)) online): deliveries/s" "$(num group-one 'deliveries/s')" "" "$(num group-spread 'deliveries/s')" \
  "spread/one $(ratio "$(num group-spread 'deliveries/s')" "$(num group-one 'deliveries/s')")"
row "group: one message to all, p50 / p99 ms" "$(line group-one 'reach all' p50) / $(line group-one 'reach all' p99)" "" \
  "$(line group-spread 'reach all' p50) / $(line group-spread 'reach all' p99)" \
  "spread/one p99 $(ratio "$(line group-spread 'reach all' p99)" "$(line group-one 'reach all' p99)")"
row "room of $room: deliveries/s" "$(num room-one 'deliveries/s')" "" "$(num room-spread 'deliveries/s')" \
  "spread/one $(ratio "$(num room-spread 'deliveries/s')" "$(num room-one 'deliveries/s')")"
row "room: delivery p99 ms" "$(line room-one 'delivery latency' p99)" "" "$(line room-spread 'delivery latency' p99)" \
  "spread/one $(ratio "$(line room-spread 'delivery latency' p99)" "$(line room-one 'delivery latency' p99)")"
echo "lost: chat $(num chat-one lost)/$(num chat-same lost)/$(num chat-cross lost), group $(num group-one lost)/$(num group-spread lost), room $(num room-one lost)/$(num room-spread lost)"
