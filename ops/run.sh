#!/usr/bin/env bash
# Runs the registry at a local URL, with its database.
#   ops/run.sh [--demo] [--port N]
# Database: ConnectionStrings__Registry when set; otherwise a local PostgreSQL cluster under
# .data/pg (started now, stopped when the registry stops, kept between runs).
set -euo pipefail
cd "$(dirname "$0")/.."
source ops/postgres.sh

port=5080
demo=0
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo=1 ;;
    --port) port="$2"; shift ;;
    *) echo "usage: ops/run.sh [--demo] [--port N]" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "${ConnectionStrings__Registry:-}" ]; then
  pg_port="${REGISTRY_PG_PORT:-5433}"
  pg_local_start .data/pg "$pg_port"
  trap 'pg_local_stop "$PWD/.data/pg"' EXIT
  pg_create_database "$pg_port" registry
  export ConnectionStrings__Registry="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=registry"
  echo "Database: local PostgreSQL cluster in .data/pg, port $pg_port"
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
dotnet build src/Registry.Api -c Release -nologo -v quiet
api=(dotnet run --project src/Registry.Api -c Release --no-build --)
"${api[@]}" migrate
if [ "$demo" = 1 ]; then
  # A synthetic basket registry (200 patients at sites S001-S004), loaded once: on an empty registry only.
  "${api[@]}" demo --patients 200 --sites 4 --if-empty
fi
url="http://127.0.0.1:$port"
echo "Registry: $url  (API description: $url/openapi/v1.json; stop with Ctrl+C)"
echo "The first admin signs in with a password and an authenticator app: in another shell,"
echo "  ops/invite.sh --user admin --role admin --name 'Registry admin'"
echo "prints an invitation code for $url/account/setup (the admin then invites everyone else)."
echo "A token for the API (roles: site, monitor, pv, researcher, admin):"
echo "  ops/token.sh --role admin --user admin1"
echo "  ops/token.sh --role site --sites FR01 --user nurse1"
"${api[@]}" --urls "$url"
