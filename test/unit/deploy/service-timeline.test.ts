import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceState, type TimelineEvent } from '../../../packages/engine/src/deploy/state/service-state.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const replicaEvent = (n: number): TimelineEvent => ({
  type: 'deploy.replica',
  job: 'deploy',
  service: 'shop',
  replica: `shop-r1-${n}`,
  revision: 1,
  state: 'admitted',
  detail: 'x'.repeat(200),
  at: n,
});

describe('ServiceState timeline', () => {
  it('keeps deploy events in order, keeps its newer half past its size, and goes with forget()', () => {
    const root = mkdtempSync(join(tmpdir(), 'ferry-timeline-'));
    dirs.push(root);
    const state = new ServiceState(root, 'shop');
    expect(state.timeline()).toEqual([]);
    for (let n = 0; n < 3000; n++) state.record(replicaEvent(n));
    const kept = state.timeline(10_000);
    expect(statSync(join(state.dir, 'timeline.jsonl')).size).toBeLessThanOrEqual(512 * 1024);
    expect(kept.length).toBeLessThan(3000);
    expect(kept.at(-1)).toEqual(replicaEvent(2999));
    expect(kept.map((event) => event.at)).toEqual(kept.map((_, i) => (kept[0]?.at ?? 0) + i));
    expect(state.timeline(5).map((event) => event.at)).toEqual([2995, 2996, 2997, 2998, 2999]);
    state.forget();
    expect(state.timeline()).toEqual([]);
  });
});
