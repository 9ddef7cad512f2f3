import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry } from '../helpers/ferry-cli.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';

const pipeline = `name: history
jobs:
  version:
    image: ferry/git:2
    checkout: { depth: 0 }
    steps:
      - run: echo "version $(git describe --tags)"
      - run: git diff --exit-code && echo "tree clean"
  app:
    image: ferry/busybox:1
    changes: ["src/**"]
    steps:
      - run: echo app built
  docs:
    image: ferry/busybox:1
    changes: ["docs/**"]
    checkout: false
    steps:
      - run: echo docs built
`;

let repo: TempGitRepo;
let head: string;

beforeAll(async () => {
  repo = await createTempGitRepo({ 'ferry.yml': pipeline, 'src/app.txt': 'v1\n', 'docs/guide.md': 'v1\n' });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'first release');
  await repo.git('checkout', '--quiet', '-b', 'feature');
  await repo.write({ 'docs/guide.md': 'v2\n' });
  await repo.commit('docs v2');
  head = await repo.git('rev-parse', 'HEAD');
});

afterAll(async () => {
  await repo?.cleanup();
});

describe('ferry run with checkout and changes', () => {
  it('ferry plan --changed-since shows the job whose paths did not change as skipped, with the reason', async () => {
    const plan = await ferry(['plan', '--changed-since', 'main'], repo.dir);
    expect(plan.exitCode, plan.all).toBe(0);
    expect(plan.stdout).toContain(
      'app skipped: no changed file matches src/** (compared main...HEAD and the working tree)',
    );
    expect(plan.stdout).toContain(
      'docs image ferry/busybox:1\n  runs: docs/guide.md changed, matching docs/** (compared main...HEAD and the working tree)',
    );
    const unknown = await ferry(['plan'], repo.dir);
    expect(unknown.stdout).toContain(
      'runs: changes not compared (a local run compares nothing unless given --changed-since <ref>): the job runs',
    );
    expect(unknown.stdout).not.toContain('skipped');
  });

  it('runs git describe --tags in a job, runs the job whose paths changed and skips the other', async () => {
    const run = await ferry(['run', '--changed-since', 'main', '--json'], repo.dir);
    expect(run.exitCode, run.all).toBe(0);
    const events = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; job?: string; line?: string; reason?: string });
    const lines = events.flatMap((event) => (event.type === 'step.log' ? [`${event.job}: ${event.line}`] : []));
    expect(lines).toEqual(
      expect.arrayContaining([
        `version: version v1.0.0-1-g${head.slice(0, 7)}`,
        'version: tree clean',
        'docs: docs built',
      ]),
    );
    expect(lines).not.toContain('app: app built');
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'job.skipped',
        job: 'app',
        reason: 'no changed file matches src/** (compared main...HEAD and the working tree)',
      }),
    );
  });

  it('counts an uncommitted change, and refuses a ref that does not resolve', async () => {
    await repo.write({ 'src/app.txt': 'v2, not committed\n' });
    try {
      const plan = await ferry(['plan', '--changed-since', 'main'], repo.dir);
      expect(plan.stdout).toContain('runs: src/app.txt changed, matching src/**');
      const bad = await ferry(['plan', '--changed-since', 'no-such-branch'], repo.dir);
      expect(bad.exitCode).toBe(2);
      expect(bad.all).toContain('--changed-since "no-such-branch": base no-such-branch is not in the repository');
    } finally {
      await repo.git('checkout', '--', 'src/app.txt');
    }
  });
});
