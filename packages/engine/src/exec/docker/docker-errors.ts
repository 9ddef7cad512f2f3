import type Dockerode from 'dockerode';
import { FerryError } from '../../errors.js';

/** Socket and network failures: the Docker engine could not be talked to at all. */
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface DockerApiError {
  statusCode?: number;
  code?: string;
  message?: string;
  /** Docker's JSON body, when it sent one (`{ message }`); anything else is ignored. */
  json?: unknown;
}

/** The HTTP status of a Docker API error, undefined for anything else. */
export function dockerStatus(error: unknown): number | undefined {
  const status = (error as DockerApiError | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function isDockerUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || dockerStatus(error) !== undefined) return false;
  const code = (error as DockerApiError).code;
  return typeof code === 'string' && unreachableCodes.has(code);
}

/** The daemon's own message when it sent one (`No such image: x`), else the error's message. */
export function dockerReason(error: unknown): string {
  const api = error as DockerApiError | undefined;
  const json = api?.json as { message?: unknown } | undefined;
  if (json && typeof json === 'object' && typeof json.message === 'string') return json.message.trim();
  if (api && typeof api.message === 'string') return api.message.trim();
  return String(error);
}

export function unavailableError(docker: Dockerode, error: unknown): FerryError {
  const modem = docker.modem as { socketPath?: unknown; host?: unknown; port?: unknown };
  const where =
    typeof modem.socketPath === 'string'
      ? modem.socketPath
      : typeof modem.host === 'string'
        ? `${modem.host}:${typeof modem.port === 'string' || typeof modem.port === 'number' ? modem.port : ''}`
        : 'the default socket';
  return new FerryError(
    'EXEC_DOCKER_UNAVAILABLE',
    `cannot reach the Docker engine at ${where}: ${dockerReason(error)}; is the daemon running and may this user access its socket?`,
    { cause: error },
  );
}

/**
 * Wraps a failure of a Docker call: FerryErrors pass through, an unreachable engine becomes
 * EXEC_DOCKER_UNAVAILABLE, anything else EXEC_CONTAINER with `what` in front of the daemon's reason.
 */
export function toFerryError(docker: Dockerode, error: unknown, what: string): FerryError {
  if (error instanceof FerryError) return error;
  if (isDockerUnreachable(error)) return unavailableError(docker, error);
  return new FerryError('EXEC_CONTAINER', `${what}: ${dockerReason(error)}`, { cause: error });
}
