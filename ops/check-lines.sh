#!/usr/bin/env bash
# Fails when a line of C# or JavaScript under src/ is longer than .editorconfig's max_line_length
# (140), naming each one. Wolverine's generated code is left out.
#   ops/check-lines.sh
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$(awk -F' *= *' '/^max_line_length/ {print $2; exit}' .editorconfig)
long=$(find src -path '*/Internal/Generated' -prune -o -path '*/bin' -prune -o -path '*/obj' -prune -o \
  \( -name '*.cs' -o -name '*.js' \) -print | sort | xargs perl -CSD -ne \
  'chomp; print "$ARGV:$.: ", length($_), " characters\n" if length($_) > '"$limit"'; close ARGV if eof')
if [ -n "$long" ]; then
  echo "Lines longer than $limit characters (.editorconfig max_line_length):" >&2
  echo "$long" >&2
  exit 1
fi
