import { hostname as osHostname } from 'node:os';
import type Dockerode from 'dockerode';
import { dockerStatus, toFerryError } from './docker-errors.js';
import { LABEL, parseOwner, sanitizeLabelValue } from './labels.js';
import { removeNetworkPatiently } from './networks.js';
import { isProcessAlive } from '../../process/is-process-alive.js';

export interface ReapFilter {
  /** Only this run's resources. */
  runId?: string;
  /** Only resources whose `ferry.owner` names this host and a process that is no longer alive. */
  orphanedOnly?: boolean;
}

export interface ReapResult {
  containers: number;
  networks: number;
  volumes: number;
}

export interface ReapHost {
  hostname: string;
  isProcessAlive(pid: number): boolean;
}

/**
 * Removes containers (force, with their anonymous volumes), then networks, then volumes labelled `ferry.run`
 * (and, without a runId, what a ContainerPool made: `ferry.pool`), narrowed by the filter, and counts what it removed. With orphanedOnly, a resource without a readable owner
 * or owned by another host is kept: only a dead process on this host proves it is abandoned.
 * Resources that vanish meanwhile or are still in use are skipped. Safe to run concurrently with itself.
 * Throws EXEC_DOCKER_UNAVAILABLE or EXEC_CONTAINER.
 */
export async function reapResources(
  docker: Dockerode,
  filter: ReapFilter = {},
  host?: Partial<ReapHost>,
): Promise<ReapResult> {
  const self: ReapHost = {
    hostname: host?.hostname ?? osHostname(),
    isProcessAlive: host?.isProcessAlive ?? isProcessAlive,
  };
  const labelFilter = {
    label: [filter.runId === undefined ? LABEL.run : `${LABEL.run}=${sanitizeLabelValue(filter.runId)}`],
  };
  const selected = (labels: Record<string, string> | null | undefined): boolean => {
    if (!filter.orphanedOnly) return true;
    const owner = parseOwner(labels?.[LABEL.owner]);
    return (
      owner !== undefined && owner.hostname === sanitizeLabelValue(self.hostname) && !self.isProcessAlive(owner.pid)
    );
  };

  try {
    const result: ReapResult = { containers: 0, networks: 0, volumes: 0 };
    const containers = await docker.listContainers({ all: true, filters: labelFilter });
    // Pooled containers no job took carry no run: they go with their owner (or with every run, unfiltered).
    if (filter.runId === undefined)
      containers.push(...(await docker.listContainers({ all: true, filters: { label: [LABEL.pool] } })));
    for (const info of containers.filter((c) => selected(c.Labels))) {
      if (await removed(() => docker.getContainer(info.Id).remove({ force: true, v: true }))) result.containers += 1;
    }
    const networks = await docker.listNetworks({ filters: labelFilter });
    if (filter.runId === undefined) networks.push(...(await docker.listNetworks({ filters: { label: [LABEL.pool] } })));
    for (const info of networks.filter((n) => selected(n.Labels))) {
      if (await removeNetworkPatiently(docker, info.Id)) result.networks += 1;
    }
    const volumes = (await docker.listVolumes({ filters: labelFilter })).Volumes ?? [];
    for (const info of volumes.filter((v) => selected(v.Labels))) {
      if (await removed(() => docker.getVolume(info.Name).remove())) result.volumes += 1;
    }
    return result;
  } catch (error) {
    throw toFerryError(docker, error, "cannot remove Ferry's Docker resources");
  }
}

/** true when removed; false when it was already gone (404) or is busy (409: in use, removal in progress). */
async function removed(remove: () => Promise<unknown>): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (error) {
    const status = dockerStatus(error);
    if (status === 404 || status === 409) return false;
    throw error;
  }
}
