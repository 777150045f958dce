#!/usr/bin/env bash
# Runs the benchmarks (not part of the test command) and writes docs/benchmarks.md.
#   ops/bench.sh [--visits N]
# Database: as for the tests (ConnectionStrings__Registry, else Testcontainers, else a throwaway
# cluster from the machine's PostgreSQL binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/Registry.Benchmarks -c Release -nologo -v quiet
dotnet tests/Registry.Benchmarks/bin/Release/net10.0/Registry.Benchmarks.dll --out docs/benchmarks.md "$@"
