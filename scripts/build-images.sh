#!/usr/bin/env bash
# Builds the local base images Ferry's tests and demo run on, since no registry can be pulled from:
#   ferry/busybox:1  a root file system of /bin/busybox and its applet links
#   ferry/node:20    the same plus the host's node binary, the shared libraries ldd lists, and the host's npm
#   ferry/bash:1     ferry/busybox:1 plus the host's bash and its shared libraries, for steps with `shell: bash`
#   ferry/docker:20  busybox plus the host's Docker (docker.io, containerd, runc, iptables): the docker CLI for jobs
#                    with `docker: true`, and dockerd for the daemon sidecar Ferry gives them (docs/jobs.md)
#   ferry/git:2      busybox plus the host's git (its helpers in git-core, templates and libraries), for jobs
#                    that read the checkout's history (`git describe`, `git diff`)
# Each image is labelled with a hash of its inputs and rebuilt only when that hash changes.
set -euo pipefail
log() { printf '[images] %s\n' "$*"; }

BUSYBOX=${BUSYBOX:-/bin/busybox}
NODE_BIN=$(readlink -f "$(command -v node)")
BASH_BIN=$(readlink -f "$(command -v bash)")
# npm's package directory (…/node_modules/npm), so that Node jobs can run `npm ci`; empty when npm is missing.
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm 2>/dev/null || echo /nonexistent/bin/npm)")")")
[ -f "$NPM_DIR/package.json" ] || NPM_DIR=
GIT_BIN=$(readlink -f "$(command -v git)")
GIT_CORE=$(git --exec-path)
GIT_TEMPLATES=/usr/share/git-core/templates

current_hash() { docker image inspect --format '{{ index .Config.Labels "ferry.inputs" }}' "$1" 2>/dev/null || true; }

make_busybox_root() {
  local root=$1
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home,var/tmp,workspace,proc,sys,dev}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  local applet
  for applet in $("$BUSYBOX" --list-full); do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nferry:x:1000:1000:ferry:/home/ferry:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nferry:x:1000:\n' >"$root/etc/group"
  mkdir -p "$root/home/ferry" && chown 1000:1000 "$root/home/ferry"
  printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
}

import_root() {
  local root=$1 tag=$2 hash=$3 cmd=$4
  tar -C "$root" -c . | docker import \
    --change "LABEL ferry.inputs=$hash" \
    --change "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "CMD [\"$cmd\"]" - "$tag" >/dev/null
  log "built $tag"
}

# Copies the shared libraries ldd lists for each file, and the dynamic loader, into root at the same paths.
copy_libs() {
  local root=$1 file lib
  shift
  for file in "$@"; do
    for lib in $(ldd "$file" 2>/dev/null | grep -o '/[^ ]*' || true); do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bb_hash="v1-$(sha256sum "$BUSYBOX" | cut -c1-16)"
if [ "$(current_hash ferry/busybox:1)" != "$bb_hash" ]; then
  make_busybox_root "$tmp/busybox"
  import_root "$tmp/busybox" ferry/busybox:1 "$bb_hash" sh
else
  log "ferry/busybox:1 is up to date"
fi

node_hash="v2-$(cat "$BUSYBOX" "$NODE_BIN" ${NPM_DIR:+"$NPM_DIR/package.json"} | sha256sum | cut -c1-16)"
if [ "$(current_hash ferry/node:20)" != "$node_hash" ]; then
  root="$tmp/node"
  make_busybox_root "$root"
  mkdir -p "$root/usr/local/bin"
  cp "$NODE_BIN" "$root/usr/local/bin/node"
  copy_libs "$root" "$NODE_BIN"
  if [ -n "$NPM_DIR" ]; then
    mkdir -p "$root/usr/local/lib/node_modules"
    cp -r "$NPM_DIR" "$root/usr/local/lib/node_modules/npm"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  fi
  import_root "$root" ferry/node:20 "$node_hash" node
else
  log "ferry/node:20 is up to date"
fi

git_hash="v1-$(cat "$BUSYBOX" "$GIT_BIN" | sha256sum | cut -c1-16)"
if [ "$(current_hash ferry/git:2)" != "$git_hash" ]; then
  root="$tmp/git"
  make_busybox_root "$root"
  mkdir -p "$root/usr/bin" "$root$(dirname "$GIT_CORE")" "$root/usr/share/git-core"
  cp "$GIT_BIN" "$root/usr/bin/git"
  # git-core holds the helpers git runs (remote-http, submodule, …); -a keeps its hard links to git shared.
  cp -a "$GIT_CORE" "$root$GIT_CORE"
  [ -d "$GIT_TEMPLATES" ] && cp -a "$GIT_TEMPLATES" "$root/usr/share/git-core/templates"
  copy_libs "$root" "$GIT_BIN" $(find "$GIT_CORE" -maxdepth 1 -type f -perm -u+x)
  # Jobs run as any user on a copied-in work tree: git must not refuse it as owned by someone else.
  printf '[safe]\n\tdirectory = *\n' >"$root/etc/gitconfig"
  import_root "$root" ferry/git:2 "$git_hash" sh
else
  log "ferry/git:2 is up to date"
fi

# The Docker image, from the Debian packages docker.io, containerd, runc and iptables (not from whatever other
# docker CLI is first on PATH); skipped with a note where they are missing.
DOCKER_BINS=()
for name in docker dockerd containerd containerd-shim-runc-v2 runc docker-init docker-proxy xtables-nft-multi; do
  for dir in /usr/bin /usr/sbin; do
    [ -x "$dir/$name" ] && { DOCKER_BINS+=("$dir/$name"); break; }
  done
done
XTABLES_DIR=$(ls -d /usr/lib/*/xtables /usr/lib/xtables /usr/lib64/xtables 2>/dev/null | head -n 1 || true)
ENTRYPOINT=$(dirname "$0")/images/dockerd-entrypoint.sh
if [ ${#DOCKER_BINS[@]} -lt 8 ] || [ -z "$XTABLES_DIR" ]; then
  log "ferry/docker:20 skipped: docker.io, containerd, runc or iptables is missing (found: ${DOCKER_BINS[*]:-none})"
else
  docker_hash="v1-$(cat "$BUSYBOX" "${DOCKER_BINS[@]}" "$ENTRYPOINT" | sha256sum | cut -c1-16)"
  if [ "$(current_hash ferry/docker:20)" != "$docker_hash" ]; then
    started=$(date +%s%N)
    root="$tmp/docker"
    make_busybox_root "$root"
    mkdir -p "$root/usr/local/bin" "$root$XTABLES_DIR" "$root/var/lib/docker" "$root/run" "$root/var/run"
    for bin in "${DOCKER_BINS[@]}"; do cp -L "$bin" "$root/usr/local/bin/"; done
    copy_libs "$root" "${DOCKER_BINS[@]}" "$XTABLES_DIR"/*.so
    # iptables loads its extensions (-j RETURN, …) from the directory it was built with.
    cp -a "$XTABLES_DIR"/. "$root$XTABLES_DIR"/
    for name in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
      ln -sf xtables-nft-multi "$root/usr/local/bin/$name"
    done
    install -m 755 "$ENTRYPOINT" "$root/usr/local/bin/dockerd-entrypoint"
    import_root "$root" ferry/docker:20 "$docker_hash" dockerd-entrypoint
    log "ferry/docker:20 took $((($(date +%s%N) - started) / 1000000)) ms"
  else
    log "ferry/docker:20 is up to date"
  fi
fi

bash_hash="v1-$(cat "$BUSYBOX" "$BASH_BIN" | sha256sum | cut -c1-16)"
if [ "$(current_hash ferry/bash:1)" != "$bash_hash" ]; then
  root="$tmp/bash"
  make_busybox_root "$root"
  cp "$BASH_BIN" "$root/bin/bash"
  copy_libs "$root" "$BASH_BIN"
  import_root "$root" ferry/bash:1 "$bash_hash" bash
else
  log "ferry/bash:1 is up to date"
fi
