import { describe, expect, it } from 'vitest';
import {
  decodeRunRecord,
  encodeRunRecord,
  isFinalStatus,
  newRunRecord,
} from '../../../packages/runner/src/queue/run-record.js';

describe('run records', () => {
  it('survive the trip through a Redis hash', () => {
    const record = {
      ...newRunRecord(
        'r1',
        {
          repo: 'file:///r',
          sha: 'abc1234',
          ref: 'refs/heads/main',
          trigger: 'push',
          labels: ['docker'],
          secrets: false,
        },
        'runs.docker',
        1000,
        'k1',
      ),
      status: 'success' as const,
      startedAt: 1100,
      finishedAt: 1900,
      runner: 'alpha',
      attempt: 2,
      lost: 1,
      jobs: { build: 'success', 'test (node=20)': 'skipped' },
    };
    const pairs = encodeRunRecord(record);
    const hash: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) hash[pairs[i] as string] = pairs[i + 1] as string;
    hash.token = 'lease-token';
    expect(decodeRunRecord(hash)).toEqual(record);
  });

  it('is undefined for an empty hash (no such run)', () => {
    expect(decodeRunRecord({})).toBeUndefined();
  });

  it('tells final statuses from passing ones', () => {
    expect(['success', 'failed', 'cancelled', 'error', 'runner-lost'].every(isFinalStatus)).toBe(true);
    expect(['queued', 'running', 'retrying'].some(isFinalStatus)).toBe(false);
  });
});
