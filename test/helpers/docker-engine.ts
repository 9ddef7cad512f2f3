import { spawn } from 'node:child_process';
import { openSync, rmSync } from 'node:fs';
import { execa } from 'execa';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function dockerdPid(): Promise<number | undefined> {
  const found = await execa('pgrep', ['-x', 'dockerd'], { reject: false });
  const pid = Number(found.stdout.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function engineAnswers(): Promise<boolean> {
  return (await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false })).exitCode === 0;
}

/**
 * Stops dockerd (SIGTERM: its containers stop, as on a host reboot or an engine upgrade), starts it again
 * detached (as scripts/setup.sh does, so it outlives the test) and resolves when the engine answers, with
 * the time it did. Needs root. Whatever happens, it leaves an engine running.
 */
export async function restartDockerEngine(): Promise<{ answeredAt: number; downMs: number }> {
  const pid = await dockerdPid();
  if (pid === undefined) throw new Error('no dockerd process to restart (start it with scripts/setup.sh)');
  const stoppedAt = Date.now();
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 600 && (await dockerdPid()) !== undefined; i++) await sleep(100);
  if ((await dockerdPid()) !== undefined) throw new Error(`dockerd (pid ${pid}) did not stop within 60 s`);
  // A stopped dockerd may leave its pid file behind and the next one refuses to start.
  rmSync('/var/run/docker.pid', { force: true });
  const log = openSync('/var/log/ferry-dockerd.log', 'a');
  spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
  for (let i = 0; i < 1200; i++) {
    if (await engineAnswers()) return { answeredAt: Date.now(), downMs: Date.now() - stoppedAt };
    await sleep(100);
  }
  throw new Error('dockerd did not answer within 120 s of starting; see /var/log/ferry-dockerd.log');
}
