import type { JobRun } from '../../packages/engine/src/plan/plan-types.js';

/** A minimal steps JobRun for executor tests; override what the test is about. */
export function buildJobRun(overrides: Partial<JobRun> = {}): JobRun {
  return {
    id: 'build',
    jobId: 'build',
    name: 'build',
    kind: 'steps',
    stage: 'test',
    image: 'ferry/busybox:1',
    pull: 'if-not-present',
    matrix: {},
    needs: [],
    needsFrom: {},
    steps: [],
    env: {},
    retry: 0,
    allowFailure: false,
    workdir: '/workspace',
    privileged: false,
    docker: false,
    secrets: [],
    services: {},
    outputs: {},
    resources: {},
    checkout: { depth: 1, tags: false },
    ...overrides,
  };
}
