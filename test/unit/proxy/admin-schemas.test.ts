import { describe, expect, it } from 'vitest';
import { type AdminError } from '../../../packages/engine/src/proxy/admin-error.js';
import {
  backendInputSchema,
  parseInput,
  serviceInputSchema,
} from '../../../packages/engine/src/proxy/admin-schemas.js';

const failure = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as AdminError;
  }
  throw new Error('expected a failure');
};

describe('admin schemas', () => {
  it('names the field, says what was expected, and tells a missing field from a wrong one', () => {
    expect(failure(() => parseInput(serviceInputSchema, { listen: 'x' }))).toMatchObject({
      status: 400,
      field: 'listen',
      message: 'listen: expected a port number',
    });
    expect(failure(() => parseInput(serviceInputSchema, {}))).toMatchObject({
      field: 'listen',
      message: 'listen: required, expected a port number',
    });
    expect(failure(() => parseInput(serviceInputSchema, { listen: 1, sticky: { cookie: 'a b' } }))).toMatchObject({
      field: 'sticky.cookie',
    });
    expect(failure(() => parseInput(backendInputSchema, { id: 'a', address: '127.0.0.1:0' }))).toMatchObject({
      field: 'address',
    });
    expect(failure(() => parseInput(backendInputSchema, { id: 'a', address: '127.0.0.1:1', extra: 1 }))).toMatchObject({
      field: 'extra',
      message: 'unknown field "extra"',
    });
  });

  it('defaults the pool to stable and accepts IPv6 and host names', () => {
    expect(parseInput(backendInputSchema, { id: 'web-1', address: '[::1]:8080' })).toEqual({
      id: 'web-1',
      address: '[::1]:8080',
      pool: 'stable',
    });
    expect(parseInput(backendInputSchema, { id: 'web-1', address: 'web.internal:80', pool: 'canary' }).pool).toBe(
      'canary',
    );
  });
});
