#!/usr/bin/env bash
# Installs the `ferry` command from this checkout for use in any repository: packs it (scripts/pack.sh) and
# runs `npm install -g` of the tarball. PREFIX=<dir> installs under <dir> (then <dir>/bin/ferry) instead of
# npm's global prefix.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
tarball=$(bash scripts/pack.sh "$out")
npm install -g ${PREFIX:+--prefix "$PREFIX"} --prefer-offline --no-audit --no-fund --loglevel=error "$tarball"
printf '[install] ferry %s: %s\n' "$(ferry --version 2>/dev/null || "${PREFIX:-$(npm prefix -g)}/bin/ferry" --version)" \
  "${PREFIX:-$(npm prefix -g)}/bin/ferry"
