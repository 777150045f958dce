#!/usr/bin/env bash
# Exports the schema change the code now needs as the next numbered patch in migrations/.
#   ops/new-migration.sh what_changed
# Builds a scratch database from the existing migrations, asks the store's db-patch for the
# difference (Marten's store and Wolverine's message tables), keeps non-empty patches, drops the
# scratch database. Review the patch (and its .drop.sql) before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
source ops/postgres.sh
name="${1:?usage: ops/new-migration.sh what_changed}"

if [ -z "${ConnectionStrings__Registry:-}" ]; then
  pg_port="${REGISTRY_PG_PORT:-5433}"
  pg_local_start .data/pg "$pg_port"
  trap 'pg_local_stop "$PWD/.data/pg"' EXIT
  server="Host=127.0.0.1;Port=$pg_port;Username=postgres"
else
  server="$ConnectionStrings__Registry"
fi
scratch="registry_migration_scratch"
psql_admin() { dotnet run --project src/Registry.Api -c Release --no-build -- "$@"; }

export ASPNETCORE_ENVIRONMENT=Development
dotnet build src/Registry.Api -c Release -nologo -v quiet
bin=$(pg_bindir)
"$bin/psql" "$(sed 's/;/ /g; s/Host=/host=/; s/Port=/port=/; s/Username=/user=/; s/Password=/password=/' <<<"$server") dbname=postgres" \
  -qc "drop database if exists $scratch with (force)" -c "create database $scratch"
export ConnectionStrings__Registry="$server;Database=$scratch"
psql_admin migrate >/dev/null

last=$(ls migrations/*.sql 2>/dev/null | grep -v '\.drop\.sql$' | sed -E 's#.*/([0-9]+)_.*#\1#' | sort -n | tail -1)
next=$(printf '%04d' $((10#${last:-0} + 1)))
store="migrations/${next}_${name}.sql"
psql_admin db-patch "$PWD/$store" -d marten://store/ >/dev/null
next2=$(printf '%04d' $((10#$next + 1)))
messages="migrations/${next2}_${name}_wolverine.sql"
psql_admin db-patch "$PWD/$messages" -d wolverine://messages/main >/dev/null

for f in "$store" "$messages"; do
  if [ -f "$f" ] && ! grep -qiE '^\s*(create|alter|drop|insert|update)' "$f"; then
    rm -f "$f" "${f%.sql}.drop.sql"
  fi
done
"$bin/psql" "$(sed 's/;/ /g; s/Host=/host=/; s/Port=/port=/; s/Username=/user=/; s/Password=/password=/' <<<"$server") dbname=postgres" \
  -qc "drop database if exists $scratch with (force)"
ls -1 migrations/ | tail -n 6
