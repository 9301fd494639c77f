# Sourced by scripts/load.sh, bench.sh, soak.sh and cluster.sh (not run on its own).
# free_port: prints a free TCP port on 127.0.0.1.
# start_throwaway_postgres DIR [ADDRESS SUBNET]: initializes and starts a PostgreSQL 15 cluster in DIR/data on
# 127.0.0.1 (and ADDRESS, accepting SUBNET without a password, when given) with fsync and synchronous commit on
# (installing postgresql-15 with apt-get if missing); sets pg_data and pg_port.
# stop_throwaway_postgres: stops it, if started.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_throwaway_postgres() {
  local dir=$1 also=${2:-} subnet=${3:-} listen=127.0.0.1
  [ -x /usr/lib/postgresql/15/bin/initdb ] || { apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null; }
  chown postgres "$dir"
  pg_data="$dir/data"
  pg_port=$(free_port)
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$pg_data" -A trust -U postgres --no-sync >/dev/null
  if [ -n "$also" ]; then
    listen="127.0.0.1,$also"
    echo "host all all $subnet trust" >>"$pg_data/pg_hba.conf"
  fi
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_data" -l "$dir/pg.log" -w \
    -o "-p $pg_port -k $dir -c listen_addresses=$listen -c fsync=on -c synchronous_commit=on ${pg_extra_options:-}" start >/dev/null
}

stop_throwaway_postgres() {
  if [ -n "${pg_data:-}" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true
  fi
}

# export_silo_settings: free loopback ports and quiet logs for a Release silo started by these scripts, in
# Development (the load tool mints its tokens from /api/dev/token).
export_silo_settings() {
  export ASPNETCORE_ENVIRONMENT=Development
  export Gateway__ListenAddress=127.0.0.1
  export Gateway__HttpPort=$(free_port) Gateway__TcpPort=$(free_port)
  export Orleans__SiloPort=$(free_port) Orleans__GatewayPort=$(free_port)
  export Logging__LogLevel__Default=Warning Logging__LogLevel__OrleansIm=Warning
}

# wait_for_silo PID LOG: waits until /healthz answers on Gateway__HttpPort; prints LOG and fails if it never does.
wait_for_silo() {
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$Gateway__HttpPort/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.5
  done
  cat "$2"
  return 1
}
