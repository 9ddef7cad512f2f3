import { describe, expect, it } from 'vitest';
import { deployFailure } from '../../../packages/engine/src/deploy/deploy-operations.js';

describe('deployFailure', () => {
  it('names a rolled-back deploy DEPLOY_UNHEALTHY and a failed rollback DEPLOY_ROLLBACK_FAILED', () => {
    expect(deployFailure('web', { status: 'rolled-back', revision: 1, message: 'r2 exited' })).toMatchObject({
      code: 'DEPLOY_UNHEALTHY',
      message: 'web: r2 exited',
    });
    expect(deployFailure('web', { status: 'failed', revision: 1, message: 'r1 would not start' })).toMatchObject({
      code: 'DEPLOY_ROLLBACK_FAILED',
    });
    for (const status of ['deployed', 'unchanged', 'paused'] as const)
      expect(deployFailure('web', { status, revision: 2, message: '' })).toBeUndefined();
  });
});
