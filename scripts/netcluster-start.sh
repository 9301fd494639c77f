# Sourced by the scripts that run load against scripts/netcluster.sh (storm.sh, crosshost.sh).
# start_netcluster N LOG: starts a cluster of N hosts in the background (its pid in $cluster, its output in LOG) and
# returns once every host is up; exits the calling script with the cluster's output if it does not come up.
start_netcluster() {
  local count=$1 log=$2
  scripts/netcluster.sh "$count" >"$log" 2>&1 &
  cluster=$!
  for _ in $(seq 1 240); do
    grep -q "Ctrl-C stops" "$log" && return
    kill -0 "$cluster" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.5
  done
  echo "$(basename "$0"): the cluster did not come up"
  cat "$log"
  exit 1
}
