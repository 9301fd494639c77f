#!/usr/bin/env bash
# Reconnect storm (issue 22 item 4): three hosts (scripts/netcluster.sh 3), --online TCP sessions logged in and SYNCed
# on host 1 by the load tool (--scenario storm), then host 1's silo killed with kill -9 and its supervisor told not to
# start it again. Every session reconnects with the SDK's jittered exponential backoff to the gateways /api/iplist of
# a survivor names, logs in and SYNCs. Prints one summary: time from the kill to the last SYNC-ACK, login latency,
# refusals by code, connection failures, the survivors' RSS and CPU over the storm. Cleans up always. Needs root.
#   scripts/storm.sh [--online 10000] [--seconds 180] [--limits open|default]
# --limits open (the default here) sets Gateway:MaxConnectionsPerAddress=0 and the per-address login rate to 100000/s
# on every silo: all sessions come from one address (the bridge, 10.222.0.1), and the documented defaults (500
# connections, 20 logins/s, burst 100 per address) would refuse all but a few hundred. --limits default keeps them.
set -euo pipefail
cd "$(dirname "$0")/.."
online=10000
seconds=180
limits=open
while [ $# -gt 0 ]; do
  case "$1" in
    --online) online=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --limits) limits=$2; shift 2 ;;
    *) echo "usage: scripts/storm.sh [--online N] [--seconds S] [--limits open|default]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "storm.sh: needs root" >&2; exit 1; }

# PostgreSQL's default max_connections (100) is below three silos' Npgsql pools (100 each): 53300 "too many clients".
export pg_extra_options="-c max_connections=${PG_MAX_CONNECTIONS:-400}"
ulimit -n 20000 # the load tool and, inherited through netcluster.sh, every silo
if [ "$limits" = open ]; then
  export Gateway__MaxConnectionsPerAddress=0 Gateway__LoginsPerSecondPerAddress=100000 Gateway__LoginBurstPerAddress=100000
fi
dotnet build bench/OrleansIm.Load -c Release -v quiet -nologo >/dev/null

tmp=$(mktemp -d)
cluster=""
load=""
sampler=""
keep=/tmp/storm-$(date -u +%Y%m%dT%H%M%S)
cleanup() {
  trap - INT TERM EXIT
  mkdir -p "$keep"
  cp "$tmp"/*.log "$tmp"/load.* "$keep"/ 2>/dev/null || true
  [ -n "${work:-}" ] && cp "$work"/silo*.log "$keep"/ 2>/dev/null || true
  echo "logs kept in $keep" >&2
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  [ -n "$load" ] && kill "$load" 2>/dev/null
  if [ -n "$cluster" ]; then
    kill "$cluster" 2>/dev/null || true
    wait "$cluster" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# shellcheck source=scripts/netcluster-start.sh
. scripts/netcluster-start.sh
start_netcluster 3 "$tmp/cluster.log"
work=$(cat /run/imnc.work)

silo_pid() { ip netns pids "imnc$1" | head -1; }
# 0 when the process is gone (a survivor that died during the storm: see the summary's exit lines)
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

dotnet bench/OrleansIm.Load/bin/Release/net10.0/OrleansIm.Load.dll --scenario storm --host 10.222.0.11 \
  --survivors 10.222.0.12,10.222.0.13 --online "$online" --ready-file "$tmp/ready" --seconds "$seconds" \
  >"$tmp/load.out" 2>"$tmp/load.err" &
load=$!
while [ ! -e "$tmp/ready" ]; do
  kill -0 "$load" 2>/dev/null || { echo "storm.sh: the load tool ended before ready"; cat "$tmp/load.err" "$tmp/load.out"; exit 1; }
  sleep 0.5
done
sleep 5 # let the logins' work settle before the kill
p1=$(silo_pid 1)
p2=$(silo_pid 2)
p3=$(silo_pid 3)
rss1=$(rss_kb "$p1")
before2=$(rss_kb "$p2") before3=$(rss_kb "$p3")
cpu2=$(cpu_ticks "$p2") cpu3=$(cpu_ticks "$p3")
# Peak RSS of the survivors during the storm, sampled every 0.5 s.
(
  m2=0 m3=0
  while true; do
    r2=$(rss_kb "$p2") r3=$(rss_kb "$p3")
    [ "${r2:-0}" -gt "$m2" ] && m2=$r2
    [ "${r3:-0}" -gt "$m3" ] && m3=$r3
    echo "$m2 $m3" >"$tmp/peak"
    sleep 0.5
  done
) &
sampler=$!
touch "$work/no-restart1"
kill -9 "$p1"
kill_ms=$(date +%s%3N)
echo "storm.sh: $(date -u +%T) killed host 1's silo (pid $p1, RSS $((rss1 / 1024)) MB with $online sessions)" >&2
code=0
wait "$load" || code=$?
load=""
end_ms=$(date +%s%3N)
after2=$(rss_kb "$p2") after3=$(rss_kb "$p3")
dcpu2=$(($(cpu_ticks "$p2") - cpu2)) dcpu3=$(($(cpu_ticks "$p3") - cpu3))
for i in 2 3; do
  p=$(eval echo "\$p$i")
  [ -e "/proc/$p" ] || echo "storm.sh: host $i's silo (pid $p) died during the storm; now pid $(silo_pid $i || echo none): its RSS and CPU below are not over the storm"
done
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
sampler=""
read -r peak2 peak3 <"$tmp/peak"
last_ms=$(sed -n 's/.*last_sync_ack_unix_ms=\([0-9]*\).*/\1/p' "$tmp/load.out")
first_ms=$(sed -n 's/.*first_loss_unix_ms=\([0-9]*\).*/\1/p' "$tmp/load.out")

echo "=== reconnect storm: $online TCP sessions on host 1 of 3, limits=$limits, ulimit -n $(ulimit -n) ==="
grep -v "^storm: [0-9]* lost=" "$tmp/load.err" | grep "initial logins" || true
cat "$tmp/load.out"
echo "kill -9 of host 1 at unix ms $kill_ms; first loss seen $((first_ms - kill_ms)) ms after; last SYNC-ACK $(awk -v a="$last_ms" -v b="$kill_ms" 'BEGIN{printf "%.2f", (a-b)/1000}') s after the kill (load tool exit code $code)"
echo "survivor host 2 (pid $p2): RSS $((before2 / 1024)) MB before, $((after2 / 1024)) MB after, peak sampled $((peak2 / 1024)) MB, VmHWM $(($(hwm_kb "$p2") / 1024)) MB; CPU $(awk -v t="$dcpu2" 'BEGIN{printf "%.2f", t/100}') s (utime+stime) over $(awk -v a="$end_ms" -v b="$kill_ms" 'BEGIN{printf "%.1f", (a-b)/1000}') s"
echo "survivor host 3 (pid $p3): RSS $((before3 / 1024)) MB before, $((after3 / 1024)) MB after, peak sampled $((peak3 / 1024)) MB, VmHWM $(($(hwm_kb "$p3") / 1024)) MB; CPU $(awk -v t="$dcpu3" 'BEGIN{printf "%.2f", t/100}') s (utime+stime)"
grep -h "exited\|not started" "$tmp/cluster.log" || true
for i in 2 3; do
  n=$(grep -c -i "exception\|error" "$work/silo$i.log" || true)
  echo "host $i log: $n lines with exception/error; most frequent exception lines:"
  grep -o "[A-Za-z.]*Exception: .\{0,110\}" "$work/silo$i.log" | sort | uniq -c | sort -rn | head -4 || true
done
