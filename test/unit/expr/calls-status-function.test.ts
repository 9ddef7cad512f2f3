import { describe, expect, it } from 'vitest';
import { callsStatusFunction } from '../../../packages/engine/src/expr/calls-status-function.js';

describe('callsStatusFunction', () => {
  it('finds status calls in bare conditions and templates', () => {
    expect(callsStatusFunction('always()')).toBe(true);
    expect(callsStatusFunction("failure() && git.branch == 'main'")).toBe(true);
    expect(callsStatusFunction('${{ !cancelled() }}')).toBe(true);
    expect(callsStatusFunction('success()')).toBe(true);
  });

  it('does not count names inside strings or other calls', () => {
    expect(callsStatusFunction("contains(git.ref, 'failure()')")).toBe(false);
    expect(callsStatusFunction("git.branch == 'main'")).toBe(false);
    expect(callsStatusFunction('${{ startsWith(git.ref, "always(") }}')).toBe(false);
  });

  it('treats a malformed condition as calling nothing', () => {
    expect(callsStatusFunction('always( &&')).toBe(false);
  });
});
