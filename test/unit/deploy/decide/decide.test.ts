import { describe, expect, it } from 'vitest';
import type { ObservedReplica } from '../../../../packages/engine/src/deploy/decide/deploy-action.js';
import { decideHealing } from '../../../../packages/engine/src/deploy/decide/decide-healing.js';
import { decideRolling } from '../../../../packages/engine/src/deploy/decide/decide-rolling.js';
import { judgeAnalysis } from '../../../../packages/engine/src/deploy/decide/judge-analysis.js';
import { rollbackTarget } from '../../../../packages/engine/src/deploy/decide/rollback-target.js';
import type { Revision } from '../../../../packages/engine/src/deploy/deploy-types.js';
import { resolveRollingBounds } from '../../../../packages/engine/src/deploy/strategies/rolling-bounds.js';

let seq = 0;
const rep = (revision: number, patch: Partial<ObservedReplica> = {}): ObservedReplica => ({
  id: `c${++seq}`,
  revision,
  running: true,
  health: 'healthy',
  available: true,
  routed: true,
  createdAt: seq,
  ...patch,
});
const kinds = (actions: { kind: string }[]) => actions.map((a) => a.kind);
const started = (actions: ReturnType<typeof decideRolling>) =>
  actions.reduce((n, a) => (a.kind === 'start' ? n + a.count : n), 0);
const removed = (actions: ReturnType<typeof decideRolling>) =>
  actions.filter((a) => a.kind === 'remove').map((a) => (a as { id: string }).id);

describe('Kubernetes fenceposts (ResolveFenceposts)', () => {
  it.each([
    [10, '25%', '25%', 3, 2],
    [10, '30%', '0%', 3, 0],
    [4, 1, 0, 1, 0],
    [4, 0, 0, 0, 1],
    [3, '10%', '10%', 1, 0],
    [2, 0, '10%', 0, 1],
    [1, '50%', '50%', 1, 0],
    [5, '20%', '20%', 1, 1],
  ])('%i replicas, surge %s, unavailable %s → %i / %i', (replicas, surge, unavailable, s, u) => {
    expect(resolveRollingBounds(replicas, surge, unavailable)).toEqual({ surge: s, unavailable: u });
  });
});

describe('decideRolling', () => {
  const goal = { target: 2, replicas: 3, surge: 1, unavailable: 0 };
  it('starts within surge and keeps old replicas while none is available (maxUnavailable 0)', () => {
    const actions = decideRolling([rep(1), rep(1), rep(1)], goal);
    expect(started(actions)).toBe(1);
    expect(removed(actions)).toEqual([]);
  });
  it('drains the oldest old replica once a new one is available, never below replicas − unavailable', () => {
    const old = [rep(1), rep(1), rep(1)];
    const actions = decideRolling([...old, rep(2)], goal);
    expect(removed(actions)).toEqual([old[0]?.id]);
    expect(started(actions)).toBe(0);
  });
  it('admits a healthy new replica that is not routed', () => {
    const fresh = rep(2, { routed: false, available: false });
    expect(decideRolling([rep(1), rep(1), rep(1), fresh], goal)).toContainEqual({ kind: 'admit', id: fresh.id });
  });
  it('removes unhealthy old replicas first, they cost no availability', () => {
    const broken = rep(1, { health: 'failed' });
    const actions = decideRolling([broken, rep(1), rep(1)], goal);
    expect(removed(actions)).toEqual([broken.id]);
    expect(kinds(actions).indexOf('remove')).toBeLessThan(kinds(actions).indexOf('start'));
  });
  it('with surge 0 drains first (maxUnavailable 1)', () => {
    const actions = decideRolling([rep(1), rep(1), rep(1)], { ...goal, surge: 0, unavailable: 1 });
    expect(removed(actions)).toHaveLength(1);
    expect(started(actions)).toBe(0);
  });
  it('is done only when all new replicas are available and no old one is left', () => {
    expect(kinds(decideRolling([rep(2), rep(2), rep(2)], goal))).toEqual(['done']);
    expect(kinds(decideRolling([rep(2), rep(2), rep(2), rep(1)], goal))).not.toContain('done');
  });
  it('keeps the bounds at every tick of a whole rollout (25%/25% × 10, 1/0 × 4, 0/1 × 2)', () => {
    for (const [replicas, surge, unavailable] of [
      [10, 3, 2],
      [4, 1, 0],
      [2, 0, 1],
      [4, 2, 1],
      [1, 1, 0],
      [1, 0, 1],
    ] as const) {
      let state = Array.from({ length: replicas }, () => rep(1));
      for (let tick = 0; tick < 50; tick++) {
        const actions = decideRolling(state, { target: 2, replicas, surge, unavailable });
        if (kinds(actions).includes('done')) break;
        const gone = new Set(removed(actions));
        state = state.filter((r) => !gone.has(r.id)).map((r) => ({ ...r, available: true, routed: true }));
        for (let i = 0; i < started(actions); i++) state.push(rep(2, { available: false, routed: false }));
        expect(state.length).toBeLessThanOrEqual(replicas + surge);
        expect(state.filter((r) => r.available).length).toBeGreaterThanOrEqual(replicas - unavailable);
        expect(tick).toBeLessThan(49);
      }
    }
  });
  it('resumes after a kill at any point: the decision depends only on what is observed', () => {
    const mid = [rep(1), rep(2), rep(2, { health: 'starting', available: false, routed: false })];
    expect(decideRolling(mid, goal)).toEqual(decideRolling(structuredClone(mid), goal));
    expect(started(decideRolling(mid, goal))).toBe(1); // 3 containers + 1 ≤ replicas + surge
  });
});

describe('judgeAnalysis (Argo: fails when failures exceed failureLimit)', () => {
  it.each([
    [0, 'fail', 0, 'abort'],
    [0, 'fail', 1, 'continue'],
    [1, 'fail', 1, 'abort'],
    [1, 'pass', 1, 'continue'],
    [2, 'inconclusive', 2, 'continue'],
    [5, 'fail', -1, 'continue'],
  ] as const)('%i failures so far, %s, limit %i → %s', (failures, verdict, failureLimit, expected) => {
    expect(judgeAnalysis(failures, verdict, { failureLimit }).verdict).toBe(expected);
  });
});

describe('rollbackTarget', () => {
  const revision = (number: number, outcome?: Revision['outcome']) =>
    ({ number, image: `i:${number}`, configHash: `${number}`, createdAt: number, outcome }) as Revision;
  const revisions = [revision(1, 'deployed'), revision(2, 'failed'), revision(3, 'deployed'), revision(4, 'deployed')];
  it('goes to the newest good revision before the active one', () => {
    expect(rollbackTarget(revisions, 4)).toMatchObject({ ok: true, revision: { number: 3 } });
    expect(rollbackTarget(revisions, 3)).toMatchObject({ ok: true, revision: { number: 1 } });
  });
  it('takes --to N, and names the kept revisions when N is gone', () => {
    expect(rollbackTarget(revisions, 4, 1)).toMatchObject({ ok: true, revision: { number: 1 } });
    expect(rollbackTarget(revisions, 4, 9)).toEqual({ ok: false, reason: 'no revision 9 (kept: 1, 2, 3, 4)' });
    expect(rollbackTarget([revision(1)], 1)).toMatchObject({ ok: false });
  });
});

describe('decideHealing', () => {
  const goal = (routed: string[]) => ({ active: 3, replicas: 3, surge: 1, routed });
  it('replaces missing replicas up to the desired count, within surge', () => {
    const a = rep(3);
    expect(decideHealing([a], goal([a.id]))).toEqual([{ kind: 'start', revision: 3, count: 1 }]);
    expect(decideHealing([a], { ...goal([a.id]), surge: 2 })).toEqual([{ kind: 'start', revision: 3, count: 2 }]);
    expect(started(decideHealing([], { ...goal([]), surge: 5 }))).toBe(3);
  });
  it('takes a routed backend without a container out of rotation', () => {
    const actions = decideHealing([rep(3), rep(3), rep(3)], goal(['gone']));
    expect(actions).toEqual([{ kind: 'drain', id: 'gone', reason: 'no container behind this backend' }]);
  });
  it('drains and removes a routed container that exited or turned unhealthy, and replaces it', () => {
    const dead = rep(3, { running: false });
    const actions = decideHealing([dead, rep(3), rep(3)], goal([dead.id]));
    expect(kinds(actions)).toEqual(['drain', 'remove', 'start']);
  });
  it('removes containers no revision wants, and admits healthy unrouted ones', () => {
    const stray = rep(2, { routed: false });
    const fresh = rep(3, { routed: false });
    const actions = decideHealing([stray, fresh, rep(3), rep(3)], goal([]));
    expect(actions).toContainEqual({ kind: 'remove', id: stray.id, reason: 'revision 2 is not wanted' });
    expect(actions).toContainEqual({ kind: 'admit', id: fresh.id });
  });
  it('starts every missing replica at once when none serves (an engine restart stopped them all)', () => {
    const exited = [rep(3, { running: false }), rep(3, { running: false }), rep(3, { running: false })];
    const actions = decideHealing(exited, goal(exited.map((r) => r.id)));
    expect(actions.filter((a) => a.kind === 'drain')).toHaveLength(3);
    expect(actions.filter((a) => a.kind === 'remove')).toHaveLength(3);
    expect(started(actions)).toBe(3);
    const oneServing = [rep(3), rep(3, { running: false }), rep(3, { running: false })];
    expect(started(decideHealing(oneServing, goal(oneServing.map((r) => r.id))))).toBe(1);
  });
  it('removes the newest replicas above the desired count', () => {
    const four = [rep(3), rep(3), rep(3), rep(3)];
    const actions = decideHealing(four, goal(four.map((r) => r.id)));
    expect(actions).toContainEqual({ kind: 'remove', id: four[3]!.id, reason: 'above the desired count' });
    expect(actions.filter((a) => a.kind === 'remove')).toHaveLength(1);
  });
  it('does not start more while surge replacements are still starting', () => {
    const starting = rep(3, { health: 'starting', routed: false });
    expect(started(decideHealing([rep(3), starting], goal([])))).toBe(0);
  });
});
