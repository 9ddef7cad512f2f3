import type Dockerode from 'dockerode';
import { runExec } from './container-exec.js';

/**
 * Whether the kernel's OOM killer has struck in the container's memory cgroup: the `oom_kill` counter of
 * cgroup v2's memory.events or v1's memory.oom_control. A step killed by it exits 137 like any SIGKILL;
 * this tells the two apart. Only asked after such an exit, so the ~40 ms exec costs nothing otherwise.
 */
export async function wasOomKilled(container: Dockerode.Container): Promise<boolean> {
  try {
    const outcome = await runExec(container, {
      Cmd: [
        'sh',
        '-c',
        'cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null',
      ],
      User: '0',
    });
    const match = /^oom_kill (\d+)/m.exec(outcome.stdout);
    if (match) return Number(match[1]) > 0;
  } catch {
    // The container may be gone already; then nobody can tell.
  }
  try {
    return (await container.inspect()).State.OOMKilled === true;
  } catch {
    return false;
  }
}
