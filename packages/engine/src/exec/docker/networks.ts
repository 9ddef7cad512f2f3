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

/**
 * Removes a network. Right after its containers were removed, the engine may still list their endpoints
 * (403 "has active endpoints": engine 20.10 releases them asynchronously); those are disconnected by force and
 * the removal tried again, up to 2 s. false when it was already gone, or still has endpoints after that.
 */
export async function removeNetworkPatiently(docker: Dockerode, id: string): Promise<boolean> {
  const network = docker.getNetwork(id);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await network.remove();
      return true;
    } catch (error) {
      // 404: already gone; 409: being removed.
      if (dockerStatus(error) === 404 || dockerStatus(error) === 409) return false;
      if (!/active endpoints/i.test((error as Error).message)) throw error;
      // Still in use (or the engine lost count of its endpoints): left for a later reap.
      if (attempt >= 10) return false;
      const inspected = (await network.inspect().catch(() => undefined)) as
        { Containers?: Record<string, unknown> } | undefined;
      for (const container of Object.keys(inspected?.Containers ?? {}))
        await network.disconnect({ Container: container, Force: true }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
