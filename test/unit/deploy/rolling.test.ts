import { describe, expect, it } from 'vitest';
import { resolveRollingBounds } from '../../../packages/engine/src/deploy/strategies/rolling-bounds.js';
import { nextRollingStep } from '../../../packages/engine/src/deploy/strategies/rolling-step.js';
import type { RollingState } from '../../../packages/engine/src/deploy/strategies/rolling-step.js';

describe('resolveRollingBounds', () => {
  it('rounds surge up and unavailable down like Kubernetes, and never leaves both at 0', () => {
    expect(resolveRollingBounds(10, '25%', '25%')).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveRollingBounds(4, 1, 0)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveRollingBounds(4, 0, 0)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveRollingBounds(3, '10%', '10%')).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveRollingBounds(2, 0, '10%')).toEqual({ surge: 0, unavailable: 1 });
  });
});

/** Drives the pure step function to completion, every new replica becoming available at the next tick. */
function simulate(replicas: number, surge: number, unavailable: number) {
  let state: RollingState = {
    replicas,
    surge,
    unavailable,
    oldServing: replicas,
    oldBroken: 0,
    newPending: 0,
    newAvailable: 0,
  };
  const samples: { total: number; available: number }[] = [];
  for (let tick = 0; tick < 100; tick++) {
    const step = nextRollingStep(state);
    if (step.done) return { ticks: tick, samples };
    state = { ...state, oldServing: state.oldServing - step.stopOld, oldBroken: 0 };
    samples.push({
      total: state.oldServing + state.newPending + state.newAvailable + step.start,
      available: state.oldServing + state.newAvailable,
    });
    state = { ...state, newAvailable: state.newAvailable + state.newPending, newPending: step.start };
  }
  throw new Error('rollout did not finish');
}

describe('nextRollingStep', () => {
  it.each([
    [4, 1, 0],
    [4, 0, 1],
    [4, 2, 1],
    [10, 3, 2],
    [1, 1, 0],
    [1, 0, 1],
  ])(
    'rolls %i replicas with surge %i, unavailable %i within the bounds and finishes',
    (replicas, surge, unavailable) => {
      const { samples } = simulate(replicas, surge, unavailable);
      for (const sample of samples) {
        expect(sample.total).toBeLessThanOrEqual(replicas + surge);
        expect(sample.available).toBeGreaterThanOrEqual(replicas - unavailable);
      }
    },
  );

  it('starts one surge replica first and stops an old one only once a new one is available', () => {
    const base = { replicas: 4, surge: 1, unavailable: 0, oldBroken: 0 };
    expect(nextRollingStep({ ...base, oldServing: 4, newPending: 0, newAvailable: 0 })).toMatchObject({
      start: 1,
      stopOld: 0,
    });
    expect(nextRollingStep({ ...base, oldServing: 4, newPending: 1, newAvailable: 0 })).toMatchObject({
      start: 0,
      stopOld: 0,
    });
    expect(nextRollingStep({ ...base, oldServing: 4, newPending: 0, newAvailable: 1 })).toMatchObject({
      start: 0,
      stopOld: 1,
    });
    expect(nextRollingStep({ ...base, oldServing: 0, newPending: 0, newAvailable: 4 })).toMatchObject({ done: true });
  });

  it('removes broken old replicas at once', () => {
    expect(
      nextRollingStep({
        replicas: 2,
        surge: 1,
        unavailable: 0,
        oldServing: 1,
        oldBroken: 1,
        newPending: 0,
        newAvailable: 0,
      }),
    ).toMatchObject({ removeBroken: 1, start: 2 });
  });
});
