#!/bin/sh
# PID 1's command in Ferry's Docker daemon sidecar (ferry/docker:20): prepares the container for a nested
# dockerd, then execs it with the arguments given. The container runs with all capabilities but
# CAP_SYS_RESOURCE, no seccomp or AppArmor profile and no masked paths (see docs/security.md), not with
# --privileged: some engines (sandboxed hosts without CAP_SYS_RESOURCE) cannot start privileged containers.
# The mount steps follow moby's hack/dind.
set -eu
export container=docker

# The options of the last mount on a path (empty when nothing is mounted there).
mount_options() { awk -v path="$1" '$2 == path { options = $4 } END { print options }' /proc/mounts; }
mounted() { [ -n "$(mount_options "$1")" ]; }
read_only() { mount_options "$1" | grep -qE '(^|,)ro(,|$)'; }

# Docker mounts /sys and the cgroup hierarchies read-only in a container that is not --privileged.
if read_only /sys; then mount -o remount,rw /sys || echo "dockerd-entrypoint: cannot remount /sys read-write" >&2; fi
for dir in /sys/fs/cgroup /sys/fs/cgroup/*; do
  [ -d "$dir" ] && mounted "$dir" && read_only "$dir" && { mount -o remount,bind,rw "$dir" 2>/dev/null || mount -o remount,rw "$dir" || echo "dockerd-entrypoint: cannot remount $dir read-write" >&2; }
done

if [ -d /sys/kernel/security ] && ! mounted /sys/kernel/security; then
  mount -t securityfs none /sys/kernel/security || echo "dockerd-entrypoint: cannot mount /sys/kernel/security" >&2
fi

# cgroup v2: move every process out of the root group so that controllers can be delegated to children.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control || :
fi

mount --make-rshared / || :
rm -f /var/run/docker.pid
# Without nf_tables in the kernel dockerd cannot set up its bridge rules; it still runs containers and publishes
# ports (through docker-proxy) without them.
if ! iptables -nL >/dev/null 2>&1; then
  echo "dockerd-entrypoint: iptables does not work here ($(iptables -nL 2>&1 | head -n 1)); starting dockerd with --iptables=false" >&2
  set -- "$@" --iptables=false
fi
exec dockerd "$@"
