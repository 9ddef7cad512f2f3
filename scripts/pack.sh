#!/usr/bin/env bash
# Packs the `ferry` CLI into one self-contained npm tarball: @ferry/cli with @ferry/engine, @ferry/runner and
# every production dependency bundled, so `npm install -g <tarball>` needs no registry.
# Usage: scripts/pack.sh [out-dir]   (default: dist-pack/); prints the tarball's path last.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$(mkdir -p "${1:-dist-pack}" && cd "${1:-dist-pack}" && pwd)
log() { printf '[pack] %s\n' "$*" >&2; }

[ -f packages/cli/dist/main.js ] || { log "building"; npx tsc -b; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The workspace packages as tarballs (their package.json "files"/dist only), installed into the staging copy
# of the CLI as real directories, so npm pack can bundle them.
for pkg in engine runner; do
  (cd "packages/$pkg" && npm pack --silent --pack-destination "$stage" >/dev/null)
done
mkdir -p "$stage/cli"
cp -r packages/cli/bin packages/cli/dist packages/cli/package.json "$stage/cli/"
cd "$stage/cli"
log "installing production dependencies (from the npm cache when it has them)"
npm install --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error --no-package-lock \
  "$stage"/ferry-engine-*.tgz "$stage"/ferry-runner-*.tgz >/dev/null
# The web page (built by vite into packages/web/dist) as the package @ferry/web next to @ferry/runner, where
# serve looks for it (runner/dist/serve/web-page.ts: ../../../web/dist/). Without it `ferry serve` answers / 404.
[ -f "$root/packages/web/dist/index.html" ] || { log "building the web page"; (cd "$root" && npx vite build --config packages/web/vite.config.mjs); }
mkdir -p node_modules/@ferry/web
cp -r "$root/packages/web/dist" node_modules/@ferry/web/
printf '{ "name": "@ferry/web", "version": "0.1.0", "private": true, "files": ["dist"] }\n' >node_modules/@ferry/web/package.json
# Back to plain version ranges (the bundled copies satisfy them), every dependency bundled, publishable.
node -e '
  const fs = require("node:fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const own = (name) => JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8")).version;
  for (const name of ["@ferry/engine", "@ferry/runner", "@ferry/web"]) pkg.dependencies[name] = own(name);
  pkg.bundleDependencies = Object.keys(pkg.dependencies);
  delete pkg.private;
  fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
'
tarball=$(npm pack --silent --pack-destination "$out")
log "$(du -h "$out/$tarball" | cut -f1) $out/$tarball"
echo "$out/$tarball"
