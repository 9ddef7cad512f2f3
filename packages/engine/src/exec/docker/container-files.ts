import type Dockerode from 'dockerode';
import { dockerReason, dockerStatus, toFerryError } from './docker-errors.js';
import { readContainerFile } from './read-container-file.js';
import { resolveUser, type UserIds } from './resolve-user.js';

/** /etc/passwd and /etc/group are read up to this size. */
const MAX_USER_DATABASE_BYTES = 1024 * 1024;

/** The uid and gid a `user:` names, from the container's own /etc/passwd and /etc/group. */
export async function containerUserIds(container: Dockerode.Container, user: string): Promise<UserIds> {
  const read = async (file: string) =>
    (await readContainerFile(container, file, MAX_USER_DATABASE_BYTES))?.content.toString('utf8') ?? '';
  return resolveUser(user, await read('/etc/passwd'), await read('/etc/group'));
}

/** Force-removes a container with its anonymous volumes; one already gone or being removed is fine. */
export async function removeContainer(docker: Dockerode, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    const status = dockerStatus(error);
    // 404: already gone; 409: Docker is already removing it.
    if (status === 404 || (status === 409 && /already in progress/i.test(dockerReason(error)))) return;
    throw toFerryError(docker, error, `cannot remove container ${id}`);
  }
}
