import { describe, expect, it } from 'vitest';
import { planRefill } from '../../../../packages/engine/src/exec/docker/plan-refill.js';

describe('planRefill', () => {
  const base = { size: 3, idle: 0, starting: 0, startingAll: 0, maxStarting: 2 };

  it('starts what the slot misses, within the cap on starts in flight', () => {
    expect(planRefill(base)).toBe(2);
    expect(planRefill({ ...base, maxStarting: 5 })).toBe(3);
  });

  it("counts the slot's idle containers and its starts in flight", () => {
    expect(planRefill({ ...base, idle: 1, starting: 1, startingAll: 1 })).toBe(1);
    expect(planRefill({ ...base, idle: 2, starting: 1, startingAll: 1 })).toBe(0);
  });

  it('starts nothing while other slots use up the cap', () => {
    expect(planRefill({ ...base, startingAll: 2 })).toBe(0);
    expect(planRefill({ ...base, startingAll: 3 })).toBe(0);
  });

  it('never asks for a negative number when the slot holds more than its size', () => {
    expect(planRefill({ ...base, idle: 5 })).toBe(0);
    expect(planRefill({ ...base, size: 0 })).toBe(0);
  });
});
