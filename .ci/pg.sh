#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests.
#   bash .ci/pg.sh start   starts it (replacing one left over from a crashed run) and prints its URL
#   bash .ci/pg.sh stop    stops it and removes its files
#   bash .ci/pg.sh halt    stops the server but keeps its data, as a restart does (fault tests)
#   bash .ci/pg.sh resume  starts a halted server again
# Progress goes to stderr so that `url=$(bash .ci/pg.sh start)` captures only the URL.
set -euo pipefail

port=${IMREADY_PG_PORT:-55432}
database=imready_test
# One fixed directory per port: a later run can always find, and stop, what a crashed run left behind.
root_dir=${TMPDIR:-/tmp}/imready-pg-$port
data_dir=$root_dir/data
url="postgresql+psycopg://postgres@127.0.0.1:$port/$database"

say() { printf '[pg] %s\n' "$*" >&2; }

bin_dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [[ ! -x $bin_dir/initdb ]]; then
  say "no PostgreSQL server binaries under /usr/lib/postgresql; run .ci/setup.sh"
  exit 1
fi

# PostgreSQL refuses to run as root, so root runs it as the postgres user; anyone else runs it as themselves.
as_server_user() {
  if ((EUID == 0)); then
    (cd "$root_dir" && runuser -u postgres -- "$@")
  else
    (cd "$root_dir" && "$@")
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

stop() {
  if [[ -f $data_dir/postmaster.pid ]]; then
    say "stopping server on port $port"
    as_server_user "$bin_dir/pg_ctl" -D "$data_dir" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$root_dir"
}

start() {
  stop
  if port_in_use; then
    say "port $port is taken by something else; set IMREADY_PG_PORT to another port"
    exit 1
  fi
  say "starting PostgreSQL $(basename "$(dirname "$bin_dir")") on 127.0.0.1:$port in $root_dir"
  mkdir -p "$root_dir"
  if ((EUID == 0)); then chown postgres: "$root_dir"; fi
  as_server_user "$bin_dir/initdb" -D "$data_dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$root_dir/initdb.log" 2>&1 || { cat "$root_dir/initdb.log" >&2; exit 1; }
  # Durability is worthless for a database that lives for one test run.
  cat >>"$data_dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$root_dir'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  as_server_user "$bin_dir/pg_ctl" -D "$data_dir" -l "$root_dir/server.log" -w -t 30 start >/dev/null \
    || { cat "$root_dir/server.log" >&2; exit 1; }
  "$bin_dir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
  echo "$url"
}

# A restart's shutdown (fast: connections cut, commits kept). Not "immediate": this throwaway server commits
# asynchronously, so a crash may lose its last commits, which a production server (synchronous_commit on) does not.
halt() {
  as_server_user "$bin_dir/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null
}

resume() {
  as_server_user "$bin_dir/pg_ctl" -D "$data_dir" -l "$root_dir/server.log" -w -t 30 start >/dev/null \
    || { cat "$root_dir/server.log" >&2; exit 1; }
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  halt) halt ;;
  resume) resume ;;
  *) echo "usage: $0 start|stop|halt|resume" >&2; exit 2 ;;
esac
