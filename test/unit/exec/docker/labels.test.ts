import { describe, expect, it } from 'vitest';
import {
  buildLabels,
  containerName,
  formatOwner,
  parseOwner,
  sanitizeLabelValue,
} from '../../../../packages/engine/src/exec/docker/labels.js';

describe('containerName', () => {
  it('keeps names that are already valid', () => {
    expect(containerName('run-1', 'build')).toBe('ferry-run-1-build');
  });

  it('replaces characters Docker does not allow and adds a hash of the original', () => {
    const name = containerName('r1', 'test (node=20, os=linux)');
    expect(name).toMatch(/^ferry-r1-test-node-20-os-linux-[0-9a-f]{8}$/);
    expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
  });

  it('gives different JobRuns different names even when they sanitize alike', () => {
    expect(containerName('r', 'a (x=1)')).not.toBe(containerName('r', 'a [x=1]'));
  });

  it('bounds the length', () => {
    expect(containerName('r'.repeat(200), 'j'.repeat(500)).length).toBeLessThanOrEqual(6 + 40 + 1 + 60);
  });

  it('copes with ids made only of invalid characters', () => {
    expect(containerName('r', '(((')).toMatch(/^ferry-r-[0-9a-f]{8}$/);
  });
});

describe('sanitizeLabelValue', () => {
  it('keeps printable text and replaces control characters', () => {
    expect(sanitizeLabelValue('test (node=20)')).toBe('test (node=20)');
    expect(sanitizeLabelValue('a\nb\tc')).toBe('a_b_c');
  });

  it('bounds long values, keeping them distinct', () => {
    const a = sanitizeLabelValue(`${'x'.repeat(300)}a`);
    const b = sanitizeLabelValue(`${'x'.repeat(300)}b`);
    expect(a.length).toBe(256);
    expect(a).not.toBe(b);
  });
});

describe('buildLabels', () => {
  it('sets ferry.run, job, jobrun, owner and created, over extra labels', () => {
    const labels = buildLabels({
      runId: 'run-1',
      jobId: 'test',
      jobRunId: 'test (node=20)',
      owner: { hostname: 'ci-1', pid: 4242 },
      createdMs: 1700000000000,
      extra: { 'runner.name': 'r1', 'ferry.run': 'spoofed' },
    });
    expect(labels).toEqual({
      'runner.name': 'r1',
      'ferry.run': 'run-1',
      'ferry.job': 'test',
      'ferry.jobrun': 'test (node=20)',
      'ferry.owner': 'ci-1:4242',
      'ferry.created': '1700000000000',
    });
  });
});

describe('parseOwner', () => {
  it('reads what formatOwner writes', () => {
    expect(parseOwner(formatOwner('host.example', 12))).toEqual({ hostname: 'host.example', pid: 12 });
    expect(parseOwner('a:b:7')).toEqual({ hostname: 'a:b', pid: 7 });
  });

  it('rejects missing or malformed values', () => {
    for (const value of [undefined, '', 'host', ':12', 'host:', 'host:abc', 'host:0', 'host:-1']) {
      expect(parseOwner(value)).toBeUndefined();
    }
  });
});
