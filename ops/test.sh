#!/usr/bin/env bash
# Runs every test of the registry.
#   ops/test.sh [--long] [extra dotnet test arguments, e.g. --filter Enrolment]
# --long: the long fuzz run (100,000 generated bodies per write endpoint instead of 1,500).
# Database: ConnectionStrings__Registry when set (the run makes a fresh database of its own on
# that server and drops it afterwards); otherwise the tests start a throwaway PostgreSQL
# (Testcontainers when a Docker engine answers, else a cluster from the machine's PostgreSQL
# binaries) and remove it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--long" ]; then
  export REGISTRY_FUZZ_BODIES="${REGISTRY_FUZZ_BODIES:-100000}"
  shift
fi

# Wolverine's generated code must match the code: regenerate it and fail when it changed.
# (First, since stale generated code may not even compile.)
ops/codegen.sh --check

dotnet build Registry.sln -c Release -nologo -v quiet

# One formatting style, and lines of at most 140 characters (.editorconfig's max_line_length).
dotnet format Registry.sln --verify-no-changes --no-restore
ops/check-lines.sh

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test Registry.sln -c Release --no-build -nologo --logger trx --results-directory "$results" "$@" || status=$?

# One closing line a person (or CI) can read: N passed, N failed.
passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  passed=$((passed + $(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")))
  failed=$((failed + $(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")))
done
for shot in tests/Registry.IntegrationTests/bin/Release/net10.0/screenshots/*.png; do
  [ -f "$shot" ] && echo "Browser screenshot: $shot"
done
echo "$passed passed, $failed failed"
exit $status
