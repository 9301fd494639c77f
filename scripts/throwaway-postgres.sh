# Sourced by scripts/load.sh and scripts/bench.sh (not run on its own).
# free_port: prints a free TCP port on 127.0.0.1.
# start_throwaway_postgres DIR: initializes and starts a PostgreSQL 15 cluster in DIR/data on 127.0.0.1 with fsync
# and synchronous commit on (installing postgresql-15 with apt-get if missing); sets pg_data and pg_port.
# stop_throwaway_postgres: stops it, if started.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_throwaway_postgres() {
  local dir=$1
  [ -x /usr/lib/postgresql/15/bin/initdb ] || { apt-get update -qq && apt-get install -y -qq postgresql-15 >/dev/null; }
  chown postgres "$dir"
  pg_data="$dir/data"
  pg_port=$(free_port)
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$pg_data" -A trust -U postgres --no-sync >/dev/null
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_data" -l "$dir/pg.log" -w \
    -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" start >/dev/null
}

stop_throwaway_postgres() {
  if [ -n "${pg_data:-}" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true
  fi
}
