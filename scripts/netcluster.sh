#!/usr/bin/env bash
# Starts N silos as one cluster, each on a host of its own: a Linux network namespace with its own address on a
# bridge (10.222.0.0/24; the bridge, in this namespace, is 10.222.0.1). A throwaway PostgreSQL 15 listens on the bridge
# address; clients (browser, CLI, load tool) stay in this namespace and reach every silo at its own address on the
# usual ports (HTTP/WebSocket 8002, TCP 9002). Each silo runs under a supervisor loop that starts it again 2 s after
# it exits, as deploy/orleansim.service does (a silo the cluster declared dead ends its own process). Prints the hosts
# and stops everything on Ctrl-C (or after --seconds S); namespaces and links left by a killed run (all named imnc*)
# are removed at the start. Needs root. The silos run in Development, so the web client and the CLI mint tokens.
#   scripts/netcluster.sh [N=3] [--seconds S]
# Cutting host I off and healing it (see docs/operations.md, "Many hosts"):
#   ip link set imnc-vI down; sleep 30; ip link set imnc-vI up
# Keeping host I down (scripts/storm.sh): touch "$(cat /run/imnc.work)/no-restart$I" before killing its silo, and its
# supervisor does not start it again.
set -euo pipefail
cd "$(dirname "$0")/.."
count=3
seconds=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    [0-9]*) count=$1; shift ;;
    *) echo "usage: scripts/netcluster.sh [N] [--seconds S]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "netcluster.sh: needs root (ip netns, ip link)" >&2; exit 1; }
[ "$count" -ge 1 ] && [ "$count" -le 50 ] || { echo "netcluster.sh: N must be 1 to 50" >&2; exit 2; }

prefix=imnc
bridge=$prefix-br
subnet=10.222.0
host_address() { echo "$subnet.$((10 + $1))"; }

# Removes every namespace and link named imnc*, ending the processes still running inside those namespaces.
remove_network() {
  local ns link
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns delete "$ns" 2>/dev/null || true
  done
  for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$prefix" || true); do
    ip link delete "$link" 2>/dev/null || true
  done
}

# One run at a time: a second one would tear down the first one's namespaces. Only this shell holds the lock (the
# processes it starts get 9>&-), so a run killed with kill -9 leaves it free for the next, which cleans up.
exec 9>/run/$prefix.lock
flock -n 9 || { echo "netcluster.sh: another run is using the $prefix* namespaces; stop it first" >&2; exit 1; }

# shellcheck source=scripts/throwaway-postgres.sh
. scripts/throwaway-postgres.sh
remove_network
# The PostgreSQL and folder of a run that was killed (kill -9: no cleanup ran).
state=/run/$prefix.work
if [ -s "$state" ]; then
  pg_data="$(cat "$state")/data" stop_throwaway_postgres
  rm -rf "$(cat "$state")" "$state"
fi
dotnet build Silo -c Release -v quiet -nologo >/dev/null 9>&-
work=$(mktemp -d)
supervisors=()
sleeper=""
pg_data=""
cleanup() {
  trap - INT TERM
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
  touch "$work/stopping"
  for pid in "${supervisors[@]}"; do kill "$pid" 2>/dev/null || true; done
  for i in $(seq 1 "$count"); do
    for pid in $(ip netns pids "$prefix$i" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  for pid in "${supervisors[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_throwaway_postgres
  remove_network
  rm -rf "$work" "$state"
  echo "stopped; namespaces and links removed"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

ip link add "$bridge" type bridge
ip addr add "$subnet.1/24" dev "$bridge"
ip link set "$bridge" up
for i in $(seq 1 "$count"); do
  ns=$prefix$i
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip link add "$prefix-v$i" type veth peer name eth0 netns "$ns"
  ip link set "$prefix-v$i" master "$bridge" up
  ip -n "$ns" addr add "$(host_address "$i")/24" dev eth0
  ip -n "$ns" link set eth0 up
done

echo "$work" >"$state"
# Every silo may hold a pool of 100 connections (Npgsql's default): PostgreSQL's default of 100 in all is too few
# for more than one silo under a burst of logins (scripts/storm.sh found it). A caller's own setting wins.
pg_extra_options=${pg_extra_options:-"-c max_connections=$((count * 110 + 20))"}
start_throwaway_postgres "$work" "$subnet.1" "$subnet.0/24" 9>&-
postgres="Host=$subnet.1;Port=$pg_port;Username=postgres;Database=postgres"

# supervise I: runs silo I in its namespace, and again 2 s after each exit (not after exit code 3, a configuration
# the server refuses), until the script stops (or dies: the next run then ends the silo it left).
supervise() {
  local i=$1 address code script=$$
  address=$(host_address "$i")
  while kill -0 "$script" 2>/dev/null && [ ! -e "$work/stopping" ]; do
    ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__Postgres="$postgres" \
      Orleans__AdvertisedIP="$address" Gateway__ListenAddress="$address" Orleans__SiloName="host$i" \
      ip netns exec "$prefix$i" dotnet Silo/bin/Release/net10.0/OrleansIm.Silo.dll >>"$work/silo$i.log" 2>&1 && code=0 || code=$?
    [ "$code" -eq 3 ] && { echo "silo $i refused its configuration (exit code 3); see $work/silo$i.log"; return; }
    kill -0 "$script" 2>/dev/null && [ ! -e "$work/stopping" ] || return
    [ -e "$work/no-restart$i" ] && { echo "$(date -u +%T) silo $i exited with code $code; not started again (no-restart$i)"; return; }
    echo "$(date -u +%T) silo $i exited with code $code; starting it again in 2 s"
    sleep 2
  done
}

for i in $(seq 1 "$count"); do
  supervise "$i" 9>&- &
  supervisors+=($!)
done

printf "%-5s %-10s %-13s %-22s %-22s %-12s %s\n" host namespace address web/WebSocket tcp "silo-port" log
for i in $(seq 1 "$count"); do
  address=$(host_address "$i")
  for _ in $(seq 1 120); do
    curl -sf "http://$address:8002/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -sf "http://$address:8002/healthz" >/dev/null 2>&1 || { echo "silo $i did not come up:"; cat "$work/silo$i.log"; exit 1; }
  printf "%-5s %-10s %-13s %-22s %-22s %-12s %s\n" "$i" "$prefix$i" "$address" "http://$address:8002/" "$address:9002" 11111 "$work/silo$i.log"
done

echo
echo "PostgreSQL: $postgres   link of host I: $prefix-vI   gateways: curl http://$(host_address 1):8002/api/iplist"
echo "web client: http://<address>:8002/   CLI: dotnet run --project Cli -- --host <address> --uid 1001 login"
if [ "$seconds" -gt 0 ]; then
  sleep "$seconds" 9>&- &
  sleeper=$!
  wait "$sleeper"
else
  echo "Ctrl-C stops the cluster"
  # A background sleep and wait: the INT/TERM trap runs at once (bash runs traps only after a foreground child ends).
  while true; do
    sleep 3600 9>&- &
    sleeper=$!
    wait "$sleeper"
  done
fi
