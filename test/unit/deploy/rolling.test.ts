import { describe, expect, it } from 'vitest';
import { resolveRollingBounds } from '../../../packages/engine/src/deploy/strategies/rolling-bounds.js';

describe('resolveRollingBounds', () => {
  it('rounds surge up and unavailable down like Kubernetes, and never leaves both at 0', () => {
    expect(resolveRollingBounds(10, '25%', '25%')).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveRollingBounds(4, 1, 0)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveRollingBounds(4, 0, 0)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveRollingBounds(3, '10%', '10%')).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveRollingBounds(2, 0, '10%')).toEqual({ surge: 0, unavailable: 1 });
  });
});
