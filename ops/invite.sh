#!/usr/bin/env bash
# Creates a user (when the directory does not hold it) and prints an invitation code for /account/setup,
# where the person sets a password and a second factor. The way in for a new registry's first admin.
#   ops/invite.sh --user admin --role admin --name 'Registry admin'
#   ops/invite.sh --user a.martin --role site --sites FR01 --name 'Anne Martin'
# Database: ConnectionStrings__Registry when set; otherwise the local cluster ops/run.sh uses (it must be running).
set -euo pipefail
cd "$(dirname "$0")/.."
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ConnectionStrings__Registry="${ConnectionStrings__Registry:-Host=127.0.0.1;Port=${REGISTRY_PG_PORT:-5433};Username=postgres;Database=registry}"
dotnet build src/Registry.Api -c Release -nologo -v quiet >/dev/null
dotnet run --project src/Registry.Api -c Release --no-build -- invite "$@"
