#!/usr/bin/env bash
# Mutation testing of the code that computes a clinical figure or decides a write, with the in-memory
# tests alone (tests/Registry.Tests): Stryker.NET, pinned as a local dotnet tool (.config/dotnet-tools.json),
# files listed in tests/Registry.Tests/stryker-config.json. Takes 10 to 30 minutes on two cores.
# The per-file scores go to docs/mutation.md; the last line printed is the overall score.
#   ops/mutation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
# The full report (every surviving mutant, and mutation-report.html) stays in artifacts/mutation.
out="$PWD/artifacts/mutation"
rm -rf "$out"
mkdir -p "$out"
(cd tests/Registry.Tests && dotnet stryker --output "$out" >"$out/stryker.log" 2>&1) || { tail -40 "$out/stryker.log"; exit 1; }
report=$(find "$out" -name 'mutation-report.json' | head -1)
python3 - "$report" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
killed = {"Killed", "Timeout"}
counted = {"Killed", "Timeout", "Survived", "NoCoverage"}
rows, k_all, n_all = [], 0, 0
for path, f in sorted(report["files"].items()):
    states = [m["status"] for m in f["mutants"]]
    k = sum(s in killed for s in states)
    n = sum(s in counted for s in states)
    k_all, n_all = k_all + k, n_all + n
    name = path.split("/src/Registry/")[-1]
    rows.append(f"| {name} | {k} | {n} | {100 * k / n:.0f} % |" if n else f"| {name} | 0 | 0 | – |")
print("| File | Killed | Mutants | Score |")
print("|---|---:|---:|---:|")
print("\n".join(rows))
survivors = "artifacts/mutation/survivors.txt"
with open(survivors, "w") as listing:
    for path, f in sorted(report["files"].items()):
        for m in f["mutants"]:
            if m["status"] in ("Survived", "NoCoverage"):
                line = m["location"]["start"]["line"]
                listing.write(f'{path.split("/src/Registry/")[-1]}:{line}: {m["status"]} {m["mutatorName"]}: {m.get("replacement", "")[:80]}\n')
print(f"Surviving mutants: {survivors}")
print(f"Mutation score: {100 * k_all / n_all:.1f} % ({k_all} of {n_all} mutants killed)")
PY
