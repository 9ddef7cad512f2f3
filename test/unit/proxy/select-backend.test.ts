import { describe, expect, it } from 'vitest';
import { fnv1a } from '../../../packages/engine/src/proxy/fnv1a.js';
import type { Candidate } from '../../../packages/engine/src/proxy/select-backend.js';
import { BackendSelector } from '../../../packages/engine/src/proxy/select-backend.js';

const backend = (id: string, pool: 'stable' | 'canary', state: Partial<Candidate> = {}): Candidate => ({
  id,
  pool,
  draining: false,
  ejected: false,
  ...state,
});

describe('BackendSelector', () => {
  it('splits pools exactly by weight with smooth weighted round-robin, evenly spread', () => {
    for (const weight of [0, 1, 10, 25, 33, 50, 75, 99, 100]) {
      const selector = new BackendSelector(weight);
      const pools = Array.from({ length: 100 }, () => selector.nextPool());
      expect(pools.filter((pool) => pool === 'canary').length, `weight ${weight}`).toBe(weight);
    }
    const selector = new BackendSelector(25);
    expect(Array.from({ length: 8 }, () => selector.nextPool()).join(' ')).toBe(
      'stable stable canary stable stable stable canary stable',
    );
  });

  it('round-robins inside the chosen pool and skips draining backends', () => {
    const selector = new BackendSelector(0);
    const backends = [backend('a', 'stable'), backend('b', 'stable', { draining: true }), backend('c', 'stable')];
    expect(Array.from({ length: 4 }, () => selector.select(backends)?.id)).toEqual(['a', 'c', 'a', 'c']);
  });

  it('falls back to the other pool when the chosen one is empty, and returns undefined when both are', () => {
    const selector = new BackendSelector(50);
    expect(Array.from({ length: 4 }, () => selector.select([backend('s', 'stable')])?.id)).toEqual([
      's',
      's',
      's',
      's',
    ]);
    expect(Array.from({ length: 2 }, () => selector.select([backend('c', 'canary')])?.id)).toEqual(['c', 'c']);
    expect(selector.select([backend('d', 'stable', { draining: true })])).toBeUndefined();
  });

  it('uses an ejected backend only when no other backend is left, and never an excluded one', () => {
    const selector = new BackendSelector(0);
    const backends = [backend('a', 'stable', { ejected: true }), backend('b', 'canary')];
    expect(selector.select(backends)?.id).toBe('b');
    expect(selector.select(backends, { exclude: new Set(['b']) })?.id).toBe('a');
    expect(selector.select(backends, { exclude: new Set(['a', 'b']) })).toBeUndefined();
  });

  it('keeps a retry in its pool without advancing the weighted rotation', () => {
    const selector = new BackendSelector(50);
    const backends = [backend('s1', 'stable'), backend('s2', 'stable'), backend('c1', 'canary')];
    expect(selector.select(backends, { pool: 'stable', exclude: new Set(['s1']) })?.id).toBe('s2');
    expect(selector.nextPool()).toBe('stable');
    expect(selector.nextPool()).toBe('canary');
  });

  it('maps a sticky key to a pool by FNV-1a mod 100 against the weight', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    const selector = new BackendSelector(30);
    const backends = [backend('s', 'stable'), backend('c', 'canary')];
    for (const key of ['alice', 'bob', 'carol', 'dave', 'user-17']) {
      const expected = fnv1a(key) % 100 < 30 ? 'c' : 's';
      expect(Array.from({ length: 3 }, () => selector.select(backends, { stickyKey: key })?.id)).toEqual([
        expected,
        expected,
        expected,
      ]);
    }
    expect(new BackendSelector(0).stickyPool('alice')).toBe('stable');
    expect(new BackendSelector(100).stickyPool('alice')).toBe('canary');
  });
});
