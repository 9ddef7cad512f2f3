import type Dockerode from 'dockerode';
import { FerryError } from '../../errors.js';
import type { Clock } from '../../clock.js';
import type { PlannedSidecar } from '../../plan/plan-types.js';
import type { ExecIO } from '../executor.js';
import { ensureImage } from './ensure-image.js';
import { buildSidecarOptions, sidecarHealth } from './sidecar-options.js';
import { demuxLogs } from './demux-logs.js';
import type { HealthPolicy } from '../../plan/health-policy.js';
import { healthyInLog } from '../../plan/health-policy.js';

export interface StartedSidecar {
  alias: string;
  image: string;
  id: string;
  deadlineMs: number;
  policy?: HealthPolicy;
}

/**
 * Creates and starts one sidecar; `onCreated` gets its id before start so a failure can still remove it.
 * `buildOptions` turns the spec into create options (default: buildSidecarOptions).
 */
export async function startSidecar(
  docker: Dockerode,
  alias: string,
  spec: PlannedSidecar,
  input: { name: string; network: string; labels: Record<string, string> },
  io: ExecIO,
  onCreated: (id: string) => void,
  buildOptions: typeof buildSidecarOptions = buildSidecarOptions,
): Promise<StartedSidecar> {
  await ensureImage(docker, spec.image, spec.pull, io);
  const container = await docker.createContainer(buildOptions(spec, { ...input, alias }));
  onCreated(container.id);
  await container.start();
  const health = sidecarHealth(spec.health);
  return { alias, image: spec.image, id: container.id, deadlineMs: health.deadlineMs, policy: health.policy };
}

/**
 * Waits until the sidecar's health check passes (or, without one, until it runs). Fails with
 * EXEC_SERVICE_UNHEALTHY, with the sidecar's last log lines, when it turns unhealthy, exits, or misses its deadline.
 */
export async function waitForSidecar(
  docker: Dockerode,
  sidecar: StartedSidecar,
  clock: Clock,
  signal: AbortSignal,
): Promise<void> {
  const container = docker.getContainer(sidecar.id);
  const started = clock.now();
  for (;;) {
    const state = (await container.inspect()).State;
    const health = state.Health?.Status;
    if (state.Running && health === undefined) return;
    // `healthy: N` means N consecutive passes here too (Docker itself turns healthy after one).
    if (
      state.Running &&
      health === 'healthy' &&
      (!sidecar.policy || healthyInLog(sidecar.policy, state.Health?.Log ?? []))
    )
      return;
    let problem: string | undefined;
    if (!state.Running) problem = `exited with code ${state.ExitCode}`;
    else if (health === 'unhealthy')
      problem = `is unhealthy: ${state.Health?.Log?.at(-1)?.Output?.trim() || 'its health check failed'}`;
    else if (clock.now() - started > sidecar.deadlineMs)
      problem = `did not become healthy within ${Math.round(sidecar.deadlineMs / 1000)}s`;
    if (problem) {
      const logs = await lastLogLines(container, 20);
      throw new FerryError(
        'EXEC_SERVICE_UNHEALTHY',
        `service "${sidecar.alias}" (image ${sidecar.image}) ${problem}${logs ? `; its last log lines:\n${logs}` : '; it logged nothing'}`,
      );
    }
    await clock.sleep(200, signal);
  }
}

async function lastLogLines(container: Dockerode.Container, lines: number): Promise<string> {
  try {
    const raw = await container.logs({ stdout: true, stderr: true, tail: lines, follow: false });
    return demuxLogs(raw)
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => `  ${line}`)
      .join('\n');
  } catch {
    return '';
  }
}
