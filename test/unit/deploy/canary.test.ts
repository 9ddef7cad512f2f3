import { describe, expect, it } from 'vitest';
import { decideCanaryStep, judgeCheck } from '../../../packages/engine/src/deploy/decide/decide-canary.js';
import type { CanaryConfig } from '../../../packages/engine/src/deploy/deploy-types.js';
import { rollOut } from '../../../packages/engine/src/deploy/roll-out.js';
import type { RunEventBody } from '../../../packages/engine/src/run/events.js';
import { deployedEngine, fakeService, rolloutDeps } from './fake-engine.js';

describe('decideCanaryStep', () => {
  const base = { now: 1000, nextCheck: 2000, judged: true, deadline: 5000 };
  it.each([
    ['an abort request aborts, before anything else', { requested: 'abort' as const, now: 9000 }, 'abort'],
    ['a failed canary replica aborts', { failedReplica: 'canary replica x failed' }, 'abort'],
    ['a due check is run', { now: 2000 }, 'analyze'],
    ['a due check runs before a promote request is honoured', { now: 2000, requested: 'promote' as const }, 'analyze'],
    ['ferry promote advances before the pause ends', { requested: 'promote' as const }, 'advance'],
    ['a judged step holds past its pause until a check passes', { now: 5000, nextCheck: 6000 }, 'wait'],
    ['…and after an inconclusive one', { now: 5000, nextCheck: 6000, lastVerdict: 'inconclusive' as const }, 'wait'],
    [
      'a judged step advances at its pause after a pass',
      { now: 5000, nextCheck: 6000, lastVerdict: 'pass' as const },
      'advance',
    ],
    ['an unjudged step advances when its pause ends', { now: 5000, nextCheck: 6000, judged: false }, 'advance'],
    ['a manual pause waits', { now: 99_000, nextCheck: 100_000, deadline: undefined, judged: false }, 'wait'],
    ['inside the pause it waits', {}, 'wait'],
  ])('%s', (_name, patch, kind) => {
    const observed = { ...base, ...patch };
    if (observed.deadline === undefined) delete (observed as { deadline?: number }).deadline;
    expect(decideCanaryStep(observed).kind).toBe(kind);
  });
});

describe('judgeCheck', () => {
  const analysis = { failureLimit: 1, noData: 'hold' as const };
  const fail = { verdict: 'fail' as const, message: 'error rate 20.0% is above maxErrorRate 5.0%' };
  const none = { verdict: 'inconclusive' as const, message: '3 canary requests' };
  it('counts failures as Argo does: the analysis fails when failures exceed failureLimit', () => {
    expect(judgeCheck(fail, 0, analysis, 0, 60_000)).toEqual({ failures: 1 });
    expect(judgeCheck(fail, 1, analysis, 0, 60_000).abort).toMatch(/^analysis failed 2 time\(s\): error rate 20.0%/);
    expect(judgeCheck(fail, 0, { ...analysis, failureLimit: 0 }, 0, 60_000).abort).toBeDefined();
    expect(judgeCheck(fail, 50, { ...analysis, failureLimit: -1 }, 0, 60_000).abort).toBeUndefined();
  });
  it('holds on too little traffic until the progress deadline, or fails at once with noData: fail', () => {
    expect(judgeCheck(none, 0, analysis, 60_000, 60_000).abort).toBeUndefined();
    expect(judgeCheck(none, 0, analysis, 60_001, 60_000).abort).toMatch(/until the progress deadline of 60s/);
    expect(judgeCheck(none, 0, { ...analysis, noData: 'fail' }, 0, 60_000).abort).toMatch(/^insufficient traffic/);
  });
  it('a pass changes nothing', () => {
    expect(judgeCheck({ verdict: 'pass', message: '' }, 1, analysis, 0, 60_000)).toEqual({ failures: 1 });
  });
});

const canary: CanaryConfig = {
  replicas: 1,
  steps: [
    { weight: 25, pause: 3000 },
    { weight: 50, pause: 3000 },
  ],
  analysis: {
    intervalMs: 1000,
    windowMs: 2000,
    minRequests: 20,
    maxErrorRate: 0.05,
    failureLimit: 0,
    noData: 'hold',
  },
};
const v1 = fakeService({ canary });
const v2 = fakeService({ canary, image: 'app:2', configHash: 'hash-2' });

const deployed = () => deployedEngine(v1);

describe('a canary over a fake engine', () => {
  it('goes through its weights, is promoted, and the rolling loop finishes the stable pool', async () => {
    const { engine, store } = await deployed();
    const events: RunEventBody[] = [];
    const result = await rollOut(v2, rolloutDeps(engine, store, events));
    expect(result).toMatchObject({ status: 'deployed', revision: 2 });
    expect(engine.weights).toEqual([0, 25, 50, 0]);
    expect(engine.revisions()).toEqual([2, 2, 2]);
    expect(engine.routedRevisions()).toEqual([2, 2, 2]);
    expect(engine.minStable).toBe(3);
    expect(events.filter((e) => e.type === 'deploy.analysis').every((e) => e.verdict === 'pass')).toBe(true);
  });

  it('aborts on the error rate: weight 0 at once, the canary goes, the stable pool never shrank', async () => {
    const { engine, store } = await deployed();
    engine.windows.canary = { requests: 100, errors: 20, errorRate: 0.2, p99Ms: 10 };
    const result = await rollOut(v2, rolloutDeps(engine, store));
    expect(result.status).toBe('rolled-back');
    expect(result.message).toMatch(
      /canary of revision 2 \(app:2\) aborted: analysis failed 1 time\(s\): error rate 20.0%/,
    );
    expect(engine.weight).toBe(0);
    expect(engine.revisions()).toEqual([1, 1, 1]);
    expect(engine.minStable).toBe(3);
    expect(store.revisions().find((r) => r.number === 2)?.outcome).toBe('failed');
  });

  it('aborts on ferry abort, and advances on ferry promote', async () => {
    const aborted = await deployed();
    aborted.store.requests.add('abort');
    expect((await rollOut(v2, rolloutDeps(aborted.engine, aborted.store))).message).toMatch(/aborted by ferry abort/);
    const manual = await deployed();
    manual.store.requests.add('promote');
    const slow = { ...v2, canary: { ...canary, steps: [{ weight: 10, pause: 'manual' as const }] } };
    expect((await rollOut(slow, rolloutDeps(manual.engine, manual.store))).status).toBe('deployed');
  });

  it('resumes after a kill at every step and converges on revision 2', async () => {
    const clean = await deployed();
    const before = clean.engine.mutations;
    await rollOut(v2, rolloutDeps(clean.engine, clean.store));
    const steps = clean.engine.mutations - before;
    expect(steps).toBeGreaterThan(8);
    for (let kill = 0; kill < steps; kill++) {
      const { engine, store } = await deployed();
      engine.failAfter = engine.mutations + kill;
      await expect(rollOut(v2, rolloutDeps(engine, store))).rejects.toThrow('killed');
      engine.failAfter = Number.POSITIVE_INFINITY;
      const resumed = await rollOut(v2, rolloutDeps(engine, store));
      const where = `killed after ${kill} of ${steps} steps`;
      expect(resumed.status, where).toBe('deployed');
      expect(engine.revisions(), where).toEqual([2, 2, 2]);
      expect(engine.routedRevisions(), where).toEqual([2, 2, 2]);
      expect(engine.canaryPool.size, where).toBe(0);
    }
  });
});
