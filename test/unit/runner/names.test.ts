import { describe, expect, it } from 'vitest';
import {
  coversLabels,
  labelsOfQueue,
  normalizeLabels,
  queueNameFor,
} from '../../../packages/runner/src/queue/names.js';

describe('queue names', () => {
  it('gives each label set one queue, whatever the order or case of its labels', () => {
    expect(queueNameFor([])).toBe('runs');
    expect(queueNameFor(['linux', 'Docker', 'docker'])).toBe('runs.docker+linux');
    expect(queueNameFor(['docker', 'linux'])).toBe(queueNameFor(['LINUX', ' docker ']));
  });

  it('reads the labels back from a queue name, and rejects names that are not run queues', () => {
    expect(labelsOfQueue('runs')).toEqual([]);
    expect(labelsOfQueue('runs.docker+linux')).toEqual(['docker', 'linux']);
    expect(labelsOfQueue('deploys')).toBeUndefined();
    expect(labelsOfQueue('runs.Bad Label')).toBeUndefined();
  });

  it('lets a runner take runs whose labels are a subset of its own', () => {
    expect(coversLabels(['docker', 'linux', 'gpu'], ['docker', 'gpu'])).toBe(true);
    expect(coversLabels(['docker'], [])).toBe(true);
    expect(coversLabels(['docker'], ['docker', 'arm64'])).toBe(false);
    expect(coversLabels(['Docker'], ['docker'])).toBe(true);
  });

  it('normalizes labels: lowercase, trimmed, unique, sorted, no empties', () => {
    expect(normalizeLabels([' B', 'a', 'b', ''])).toEqual(['a', 'b']);
  });
});
