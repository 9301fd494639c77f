#!/usr/bin/env bash
# Starts N silos on this machine as one cluster, on a throwaway PostgreSQL 15 (or the one given), prints each one's
# ports, and stops them all on Ctrl-C (or after --seconds S). The silos run in Development, so the web client and the
# CLI can mint tokens.
#   scripts/cluster.sh [N=2] [--postgres CONNECTION-STRING] [--seconds S]
set -euo pipefail
cd "$(dirname "$0")/.."
count=2
postgres=""
seconds=0
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) postgres=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    [0-9]*) count=$1; shift ;;
    *) echo "usage: scripts/cluster.sh [N] [--postgres CONNECTION-STRING] [--seconds S]" >&2; exit 2 ;;
  esac
done

# shellcheck source=scripts/throwaway-postgres.sh
. scripts/throwaway-postgres.sh
dotnet build Silo -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d)
pids=()
pg_data=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_throwaway_postgres
  rm -rf "$work"
  echo "stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if [ -z "$postgres" ]; then
  start_throwaway_postgres "$work"
  postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
fi

printf "%-6s %-10s %-10s %-10s %-12s %s\n" silo http tcp silo-port orleans-gw log
for i in $(seq 1 "$count"); do
  http=$(free_port) tcp=$(free_port) silo=$(free_port) gw=$(free_port)
  ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__Postgres="$postgres" \
    Gateway__ListenAddress=127.0.0.1 Gateway__HttpPort=$http Gateway__TcpPort=$tcp \
    Orleans__SiloPort=$silo Orleans__GatewayPort=$gw Orleans__SiloName="silo$i" \
    dotnet Silo/bin/Release/net10.0/OrleansIm.Silo.dll >"$work/silo$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$http/healthz" >/dev/null 2>&1 && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/silo$i.log"; exit 1; }
    sleep 0.5
  done
  printf "%-6s %-10s %-10s %-10s %-12s %s\n" "$i" "$http" "$tcp" "$silo" "$gw" "$work/silo$i.log"
done

echo
echo "web client: http://127.0.0.1:<http>/   CLI: dotnet run --project Cli -- --http-port <http> --tcp-port <tcp> --uid 1001 login"
if [ "$seconds" -gt 0 ]; then
  sleep "$seconds"
else
  echo "Ctrl-C stops the cluster"
  wait
fi
