#!/usr/bin/env bash
# A local PostgreSQL cluster for running and testing the registry, from the machine's own
# PostgreSQL binaries. Sourced by run.sh; also usable alone:
#   ops/postgres.sh start DATA_DIR PORT   (prints the connection string)
#   ops/postgres.sh stop DATA_DIR
# PostgreSQL refuses to run as root, so as root the cluster is owned and run by the
# 'postgres' user (runuser); as anyone else, by that user. It listens on 127.0.0.1 only.

pg_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return 0
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

pg_missing_help() {
  cat >&2 <<'MSG'
No database: ConnectionStrings__Registry is not set and no PostgreSQL server binaries were found.
Either
  - install PostgreSQL (Debian/Ubuntu: sudo apt-get install -y postgresql), or
  - start one with Docker: docker compose up -d postgres, then
    export ConnectionStrings__Registry="Host=127.0.0.1;Port=5432;Username=registry;Password=registry;Database=registry"
MSG
}

# as_pg_owner CMD...: run a command as the cluster's owner.
as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_local_start() {
  local data="$1" port="$2" bin
  bin=$(pg_bindir) || { pg_missing_help; return 1; }
  mkdir -p "$data"
  data=$(cd "$data" && pwd)
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown -R postgres: "$data"
    chmod 700 "$data"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=on" start >/dev/null
  fi
}

pg_local_stop() {
  local data="$1" bin
  bin=$(pg_bindir) || return 0
  [ -f "$data/PG_VERSION" ] || return 0
  as_pg_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_create_database PORT NAME: create the database when it does not exist.
pg_create_database() {
  local port="$1" name="$2" bin
  bin=$(pg_bindir) || return 1
  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='$name'" postgres | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$name"
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start) pg_local_start "$2" "$3"; echo "Host=127.0.0.1;Port=$3;Username=postgres;Database=postgres" ;;
    stop) pg_local_stop "$2" ;;
    *) echo "usage: $0 start DATA_DIR PORT | stop DATA_DIR" >&2; exit 2 ;;
  esac
fi
