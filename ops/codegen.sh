#!/usr/bin/env bash
# Writes Wolverine's generated handler code into src/Registry.Api/Internal/Generated, which
# Production loads statically (it never compiles code at run time).
#   ops/codegen.sh           regenerate
#   ops/codegen.sh --check   regenerate, and fail when that changed anything (stale code must fail CI)
# No database is needed: the connection string below is never opened.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/Registry.Api/Internal/Generated
before=$(find "$out" -type f -name '*.cs' -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum || true)
rm -rf "$out"
ASPNETCORE_ENVIRONMENT=Development \
ConnectionStrings__Registry="Host=127.0.0.1;Port=1;Database=codegen-needs-no-database" \
  dotnet run --project src/Registry.Api -c Release -- codegen write >/dev/null
after=$(find "$out" -type f -name '*.cs' -print0 | sort -z | xargs -0 -r sha256sum)
if [ "${1:-}" = "--check" ] && [ "$before" != "$after" ]; then
  echo "Wolverine's generated code in $out was stale and has been regenerated." >&2
  echo "Rebuild, run the tests again and commit the regenerated files." >&2
  git status --short -- "$out" >&2 || true
  exit 1
fi
echo "Generated code is in $out."
