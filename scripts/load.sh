#!/usr/bin/env bash
# Measures private-chat throughput: starts a Release build of the Silo (embedded, or on a throwaway PostgreSQL 15),
# runs the load tool against it over loopback, prints its report, and stops everything.
#   scripts/load.sh [embedded|postgres] [load tool arguments, e.g. --pairs 50 --messages 200 --window 1]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-embedded}
shift || true

# shellcheck source=scripts/throwaway-postgres.sh
. scripts/throwaway-postgres.sh

dotnet build OrleansIm.sln -c Release -v quiet -nologo >/dev/null
work=$(mktemp -d)
silo_pid=""
pg_data=""
cleanup() {
  [ -n "$silo_pid" ] && kill "$silo_pid" 2>/dev/null && wait "$silo_pid" 2>/dev/null || true
  stop_throwaway_postgres
  rm -rf "$work"
}
trap cleanup EXIT

export_silo_settings
# The per-connection rate limit would cap one sender; the load measures the server, not the limiter.
export Gateway__RequestsPerSecond=1000000 Gateway__RequestBurst=1000000

if [ "$mode" = postgres ]; then
  start_throwaway_postgres "$work"
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=50"
elif [ "$mode" != embedded ]; then
  echo "usage: scripts/load.sh [embedded|postgres] [load tool arguments]" >&2
  exit 2
fi

dotnet Silo/bin/Release/net10.0/OrleansIm.Silo.dll >"$work/silo.log" 2>&1 &
silo_pid=$!
wait_for_silo "$silo_pid" "$work/silo.log"

echo "mode=$mode"
dotnet bench/OrleansIm.Load/bin/Release/net10.0/OrleansIm.Load.dll --tcp "$Gateway__TcpPort" --http "$Gateway__HttpPort" "$@"
