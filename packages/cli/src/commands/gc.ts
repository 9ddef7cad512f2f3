import type Docker from 'dockerode';
import { reapResources } from '@ferry/engine';
import type { CliIO } from '../cli-io.js';

/** `ferry gc`: remove containers, networks and volumes of runs whose owner process is gone (or all, with --all). */
export async function gcCommand(io: CliIO, docker: Docker, options: { all?: boolean }): Promise<number> {
  const removed = await reapResources(docker, options.all ? {} : { orphanedOnly: true });
  io.stdout.write(
    `removed ${removed.containers} containers, ${removed.networks} networks, ${removed.volumes} volumes\n`,
  );
  return 0;
}
