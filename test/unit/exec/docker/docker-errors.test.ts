import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../../packages/engine/src/errors.js';
import {
  dockerReason,
  isDockerUnreachable,
  toFerryError,
} from '../../../../packages/engine/src/exec/docker/docker-errors.js';

const docker = new Docker({ socketPath: '/run/nowhere.sock' });

function apiError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), { statusCode, json: { message } });
}

describe('Docker error mapping', () => {
  it('treats socket failures as an unreachable engine', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /run/nowhere.sock'), { code: 'ECONNREFUSED' });
    expect(isDockerUnreachable(refused)).toBe(true);
    const mapped = toFerryError(docker, refused, 'cannot run step');
    expect(mapped.code).toBe('EXEC_DOCKER_UNAVAILABLE');
    expect(mapped.message).toContain('/run/nowhere.sock');
  });

  it('treats API answers as container errors with the daemon message', () => {
    const error = apiError(409, 'container abc is not running');
    expect(isDockerUnreachable(error)).toBe(false);
    expect(dockerReason(error)).toBe('container abc is not running');
    const mapped = toFerryError(docker, error, 'cannot run step "x" of job "y"');
    expect(mapped.code).toBe('EXEC_CONTAINER');
    expect(mapped.message).toBe('cannot run step "x" of job "y": container abc is not running');
  });

  it('passes FerryErrors through', () => {
    const original = new FerryError('EXEC_WORKSPACE', 'nope');
    expect(toFerryError(docker, original, 'x')).toBe(original);
  });
});
