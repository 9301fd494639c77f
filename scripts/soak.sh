#!/usr/bin/env bash
# Soak: a Release Silo (embedded, or on a throwaway PostgreSQL 15) under users coming and going for a while (chat,
# a group, a room; new uids all the time), sampled every 10 s: resident memory, open handles, threads, connections
# and grain activations. After the load it waits for idle activations to be collected (collection age 1 minute, checked every 20 s),
# then compares the second half of the run with the sample after warm-up.
#   scripts/soak.sh [embedded|postgres] [--minutes 10] [--online 100]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=embedded
minutes=10
online=100
while [ $# -gt 0 ]; do
  case "$1" in
    embedded|postgres) mode=$1; shift ;;
    --minutes) minutes=$2; shift 2 ;;
    --online) online=$2; shift 2 ;;
    *) echo "usage: scripts/soak.sh [embedded|postgres] [--minutes M] [--online N]" >&2; exit 2 ;;
  esac
done

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
export Orleans__GrainCollection__CollectionAge=00:01:00 Orleans__GrainCollection__CollectionQuantum=00:00:20
if [ "$mode" = postgres ]; then
  start_throwaway_postgres "$work"
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=50"
fi

dotnet Silo/bin/Release/net10.0/OrleansIm.Silo.dll >"$work/silo.log" 2>&1 &
silo_pid=$!
wait_for_silo "$silo_pid" "$work/silo.log"

metric() { # metric NAME [FILTER]: the sum of a Prometheus series, optionally of the lines matching FILTER
  curl -s "http://127.0.0.1:$Gateway__HttpPort/metrics" | grep "^$1" | grep -- "${2:-}" | awk '{s+=$NF} END {printf "%d", s}'
}
sample() { # one line: seconds, RSS MB, handles, threads, connections, user / group / room activations
  local rss fds threads
  rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$silo_pid/status")
  fds=$(ls "/proc/$silo_pid/fd" | wc -l)
  threads=$(awk '/Threads/ {print $2}' "/proc/$silo_pid/status")
  printf "%6d %8s %8d %8d %8d %8d %8d %8d\n" "$1" "$rss" "$fds" "$threads" "$(metric im_connections)" \
    "$(metric orleans_catalog_activation_working_set 'grain_type="user"')" \
    "$(metric orleans_catalog_activation_working_set 'grain_type="group"')" \
    "$(metric orleans_catalog_activation_working_set 'grain_type="room"')"
}

echo "mode=$mode minutes=$minutes online=$online"
printf "%6s %8s %8s %8s %8s %8s %8s %8s\n" seconds rss_mb handles threads conns users groups rooms | tee "$work/samples"
seconds=$((minutes * 60))
dotnet bench/OrleansIm.Load/bin/Release/net10.0/OrleansIm.Load.dll --scenario soak --transport mixed \
  --tcp "$Gateway__TcpPort" --http "$Gateway__HttpPort" --online "$online" --seconds "$seconds" >"$work/load.out" 2>&1 &
load_pid=$!
start=$(date +%s)
while kill -0 "$load_pid" 2>/dev/null; do
  sleep 10
  sample $(( $(date +%s) - start )) | tee -a "$work/samples"
done
wait "$load_pid" || true
cat "$work/load.out" | grep -v "^ \+[0-9]\+s "
echo "load stopped; idle activations should be collected within about 2 minutes"
for _ in $(seq 1 15); do
  sleep 10
  sample $(( $(date +%s) - start )) | tee -a "$work/samples"
done

# Growth: the sample at a quarter of the load against the last sample under load.
awk -v quarter=$((seconds / 4)) -v end="$seconds" '
  NR > 1 && $1 >= quarter && !w { w = 1; r0 = $2; f0 = $3; t0 = $4 }
  NR > 1 && $1 <= end { r1 = $2; f1 = $3; t1 = $4 }
  END { printf "after warm-up (%ds) -> end of load: rss %s -> %s MB (%+.1f%%), handles %d -> %d, threads %d -> %d\n",
        quarter, r0, r1, (r1 - r0) * 100 / r0, f0, f1, t0, t1 }' "$work/samples"
