import { describe, expect, it } from 'vitest';
import type { ResolvedService } from '../../../packages/engine/src/deploy/deploy-types.js';
import { rollOut } from '../../../packages/engine/src/deploy/roll-out.js';
import type { RunEventBody } from '../../../packages/engine/src/run/events.js';
import { deployedEngine, fakeService, rolloutDeps } from './fake-engine.js';

const v1 = fakeService();
const v2 = fakeService({ image: 'app:2', configHash: 'hash-2' });

const deployed = (service: ResolvedService = v1) => deployedEngine(service);

describe('rollOut over a fake engine (observe → decideRolling → apply)', () => {
  it('rolls 3 replicas from revision 1 to 2 within surge 1 / unavailable 0, oldest first', async () => {
    const { engine, store } = await deployed();
    const events: RunEventBody[] = [];
    const result = await rollOut(v2, rolloutDeps(engine, store, events));
    expect(result).toMatchObject({ status: 'deployed', revision: 2 });
    expect(engine.revisions()).toEqual([2, 2, 2]);
    expect(engine.routedRevisions()).toEqual([2, 2, 2]);
    expect(engine.maxContainers).toBe(4);
    expect(engine.minRouted).toBe(3);
    const replicaStates = events.flatMap((e) => (e.type === 'deploy.replica' ? [`${e.revision}:${e.state}`] : []));
    expect(replicaStates.filter((s) => s === '2:admitted')).toHaveLength(3);
    expect(replicaStates.filter((s) => s === '1:removed')).toHaveLength(3);
    expect(store.journal()).toMatchObject({ phase: 'idle', active: 2 });
  });

  it.each([
    [4, 2, 1],
    [10, '25%', '25%'],
    [2, 0, 1],
  ] as const)(
    '%i replicas, surge %s, unavailable %s: the bounds hold at every change',
    async (replicas, surge, unavailable) => {
      const rolling = { ...v1.rolling, maxSurge: surge, maxUnavailable: unavailable };
      const { engine, store } = await deployed(fakeService({ replicas, rolling }));
      const result = await rollOut({ ...v2, replicas, rolling }, rolloutDeps(engine, store));
      expect(result.status).toBe('deployed');
      const s = typeof surge === 'number' ? surge : Math.ceil((replicas * 25) / 100);
      const u = typeof unavailable === 'number' ? unavailable : Math.floor((replicas * 25) / 100);
      expect(engine.maxContainers).toBeLessThanOrEqual(replicas + s);
      expect(engine.minRouted).toBeGreaterThanOrEqual(replicas - u);
      expect(engine.revisions()).toEqual(Array(replicas).fill(2));
    },
  );

  it('rolls an unhealthy revision back to the previous one, never below the available bound', async () => {
    const { engine, store } = await deployed();
    engine.unhealthy.add(2);
    const events: RunEventBody[] = [];
    const result = await rollOut(v2, rolloutDeps(engine, store, events));
    expect(result).toMatchObject({ status: 'rolled-back', revision: 1 });
    expect(result.message).toMatch(
      /revision 2 \(app:2\) was rolled back to revision 1: replica ferry-web-r2-\d+ failed/,
    );
    expect(engine.revisions()).toEqual([1, 1, 1]);
    expect(engine.routedRevisions()).toEqual([1, 1, 1]);
    expect(engine.minRouted).toBe(3);
    expect(store.revisions().find((r) => r.number === 2)?.outcome).toBe('failed');
    expect(events.some((e) => e.type === 'deploy.rollback' && e.from === 2 && e.to === 1)).toBe(true);
  });

  it('tolerates failed replicas up to maxFailureRatio and replaces them', async () => {
    const { engine, store } = await deployed();
    let failing = 1;
    const exec = engine.provider.exec.bind(engine.provider);
    const failed = new Set<string>();
    engine.provider.exec = (replica, command, timeout) => {
      if (replica.revision === 2 && (failed.has(replica.id) || failing > 0)) {
        if (!failed.has(replica.id)) failing -= 1;
        failed.add(replica.id);
        return Promise.resolve({ exitCode: 1, output: 'not yet' });
      }
      return exec(replica, command, timeout);
    };
    const result = await rollOut(
      { ...v2, rolling: { ...v2.rolling, maxFailureRatio: 1 / 3 } },
      rolloutDeps(engine, store),
    );
    expect(result.status).toBe('deployed');
    expect(engine.revisions()).toEqual([2, 2, 2]);
    expect(failed.size).toBe(1);
  });

  it('is unchanged when the revision already serves at full count, and scales without a new revision', async () => {
    const { engine, store } = await deployed();
    expect((await rollOut(v1, rolloutDeps(engine, store))).status).toBe('unchanged');
    const down = await rollOut({ ...v1, replicas: 1 }, rolloutDeps(engine, store));
    expect(down).toMatchObject({ status: 'deployed', revision: 1 });
    expect(engine.revisions()).toEqual([1]);
    expect(engine.routedRevisions()).toEqual([1]);
    expect(store.revisions().map((r) => r.number)).toEqual([1]);
  });

  it('drains a routed backend that has no container before it counts (a crash lost the replicas)', async () => {
    const { engine, store } = await deployed();
    for (const id of [...engine.containers.keys()].slice(0, 2)) engine.containers.delete(id);
    const result = await rollOut(v2, rolloutDeps(engine, store));
    expect(result.status).toBe('deployed');
    expect([...engine.routed].every((id) => engine.containers.has(id))).toBe(true);
    expect(engine.routedRevisions()).toEqual([2, 2, 2]);
  });

  /** Kills a rollout of v2 after each of its engine/proxy calls in turn; a second rollOut must end on `revision`. */
  async function killAtEveryStep(unhealthy: number[], status: string, revision: number) {
    const clean = await deployed();
    for (const r of unhealthy) clean.engine.unhealthy.add(r);
    const before = clean.engine.mutations;
    await rollOut(v2, rolloutDeps(clean.engine, clean.store));
    const steps = clean.engine.mutations - before;
    expect(steps).toBeGreaterThan(1);
    for (let kill = 0; kill < steps; kill++) {
      const { engine, store } = await deployed();
      for (const r of unhealthy) engine.unhealthy.add(r);
      engine.failAfter = engine.mutations + kill;
      await expect(rollOut(v2, rolloutDeps(engine, store))).rejects.toThrow('killed');
      engine.failAfter = Number.POSITIVE_INFINITY;
      const resumed = await rollOut(v2, rolloutDeps(engine, store));
      const where = `killed after ${kill} of ${steps} steps`;
      expect(resumed.status, where).toBe(status);
      expect(engine.revisions(), where).toEqual([revision, revision, revision]);
      expect(engine.routedRevisions(), where).toEqual([revision, revision, revision]);
      expect(store.journal(), where).toMatchObject({ phase: 'idle', active: revision });
    }
  }

  it('resumes after a kill at every step: a second rollOut converges, with no container left behind', async () => {
    await killAtEveryStep([], 'deployed', 2);
  });

  it('resumes a bad release after a kill at every step and still ends on revision 1', async () => {
    await killAtEveryStep([2], 'rolled-back', 1);
  });

  it('pauses the service when the rollback itself fails, and never rolls a rollback back', async () => {
    const { engine, store } = await deployed();
    engine.unhealthy.add(2);
    for (const id of [...engine.containers.keys()]) engine.containers.delete(id); // revision 1 must be restarted
    engine.unhealthy.add(1);
    const result = await rollOut(v2, rolloutDeps(engine, store));
    expect(result.status).toBe('paused');
    expect(result.message).toMatch(/rollback of web to revision 1 failed: replica ferry-web-r1-\d+ failed/);
    expect(store.journal()).toMatchObject({ phase: 'paused' });
  });
});
