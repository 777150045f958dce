#!/usr/bin/env bash
# Prints a bearer token for local use (not in Production), e.g.
#   ops/token.sh --role site --sites FR01 --user nurse1
#   curl -H "Authorization: Bearer $(ops/token.sh --role admin --user admin1)" http://127.0.0.1:5080/api/catalogue
# Needs no database: the connection string below is never opened.
set -euo pipefail
cd "$(dirname "$0")/.."
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ConnectionStrings__Registry="${ConnectionStrings__Registry:-Host=127.0.0.1;Port=1;Database=token-needs-no-database}"
dotnet build src/Registry.Api -c Release -nologo -v quiet >/dev/null
dotnet run --project src/Registry.Api -c Release --no-build -- token "$@" | tail -n 1
