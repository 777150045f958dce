#!/usr/bin/env bash
# Runs every test of the registry.
#   ops/test.sh
# Database: ConnectionStrings__Registry when set (each run makes its own fresh database on that
# server); otherwise the tests start a throwaway PostgreSQL (Testcontainers when Docker answers,
# else a cluster from the machine's PostgreSQL binaries) and remove it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build Registry.sln -c Release -nologo -v quiet

# Wolverine's generated code must match the code: regenerate it and fail when it changed.
ops/codegen.sh --check

dotnet test Registry.sln -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 \
  | grep -vE '^\s*(Passed|Skipped) ' 
