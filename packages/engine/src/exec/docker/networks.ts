import type Dockerode from 'dockerode';
import { dockerStatus, toFerryError } from './docker-errors.js';
import { containerName } from './labels.js';

/** `ferry-<runId>-net-<suffix>`: the network every job container of one attempt of a run joins. */
export function runNetworkName(runId: string, suffix: string): string {
  return containerName(runId, `net-${suffix}`);
}

/** Removes a network; a missing one is fine. Containers still attached are disconnected first. */
export async function removeNetwork(docker: Dockerode, name: string): Promise<void> {
  const network = docker.getNetwork(name);
  try {
    const info = (await network.inspect()) as { Containers?: Record<string, unknown> };
    for (const id of Object.keys(info.Containers ?? {}))
      await network.disconnect({ Container: id, Force: true }).catch(() => undefined);
    await network.remove();
  } catch (error) {
    if (dockerStatus(error) === 404) return;
    throw toFerryError(docker, error, `cannot remove network ${name}`);
  }
}
