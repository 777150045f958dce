#!/usr/bin/env bash
# Runs the load test (not part of the test command): the real host on a loopback port over a
# throwaway database, N clients mixing reads and writes for S seconds, then a check that every
# acknowledged write is in the records exactly once and every audited read left one audit entry.
# Rewrites its section of docs/reliability.md; exits 1 on any 5xx, lost or duplicated write or
# audit mismatch.
#   ops/load.sh [--clients 32] [--seconds 60] [--out docs/reliability.md]
# Database: as for the tests (ConnectionStrings__Registry, else Testcontainers, else a throwaway
# cluster from the machine's PostgreSQL binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/Registry.LoadTest -c Release -nologo -v quiet
dotnet tests/Registry.LoadTest/bin/Release/net10.0/Registry.LoadTest.dll --clients 32 --seconds 60 --out docs/reliability.md "$@"
