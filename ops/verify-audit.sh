#!/usr/bin/env bash
# Verifies the audit's hash chain and names the first broken entry; exit code 1 when broken.
#   ops/verify-audit.sh                       # the chain as the database holds it
#   ops/verify-audit.sh --expect-head 1042:3f9a...  # and it must still hold a head kept outside the database
# Database: ConnectionStrings__Registry when set; otherwise the local cluster ops/run.sh uses (it must be running).
set -euo pipefail
cd "$(dirname "$0")/.."
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ConnectionStrings__Registry="${ConnectionStrings__Registry:-Host=127.0.0.1;Port=${REGISTRY_PG_PORT:-5433};Username=postgres;Database=registry}"
dotnet build src/Registry.Api -c Release -nologo -v quiet >/dev/null
dotnet run --project src/Registry.Api -c Release --no-build -- verify-audit "$@"
