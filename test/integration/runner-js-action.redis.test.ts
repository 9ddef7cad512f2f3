import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEntry } from '../../packages/runner/src/index.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { killAllRunners, spawnRunner } from '../setup/runner-process.js';

/**
 * A runner given FERRY_ACTIONS_DIR runs a repository's GitHub workflow whose action is in that directory (act's
 * owner-repo@ref layout) and not in the repository: the import finds it, the engine copies it into the job.
 */
let fx: QueueFixture;
let repo: TempGitRepo;
const runIds: string[] = [];

const workflow = `on: push
jobs:
  read:
    runs-on: ubuntu-latest
    container: ferry/node:20
    steps:
      - uses: actions/checkout@v4
      - id: version
        uses: juliangruber/read-file-action@v1
        with: { path: VERSION, trim: true }
      - run: echo "version [\${{ steps.version.outputs.content }}]"
`;

const lines = (entries: StreamEntry[]) =>
  entries.flatMap(({ event }) => (event.type === 'step.log' || event.type === 'job.log' ? [event.line] : []));

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(15));
  const fixture = new URL('../fixtures/import/e2e/read-file-action/', import.meta.url).pathname;
  const actionsDir = mkdtempSync(join(tmpdir(), 'ferry-actions-'));
  cpSync(fixture, join(actionsDir, 'juliangruber-read-file-action@v1'), { recursive: true });
  expect(readFileSync(join(actionsDir, 'juliangruber-read-file-action@v1/action.yml'), 'utf8')).toContain('node24');
  repo = await createTempGitRepo({ '.github/workflows/ci.yml': workflow, VERSION: ' 3.1.4 \n' });
  await spawnRunner({ redisUrl: fx.url, name: 'jsaction', concurrency: 1, env: { FERRY_ACTIONS_DIR: actionsDir } });
});

afterAll(async () => {
  await killAllRunners();
  if (fx) expect(await fx.leftoversOf(runIds)).toEqual([]);
  await fx?.close();
  await repo?.cleanup();
});

describe('a runner with an actions directory', () => {
  it("runs a workflow's JavaScript action copied from FERRY_ACTIONS_DIR", async () => {
    const { runId } = await fx.queue.enqueue({
      repo: `file://${repo.dir}`,
      sha: await repo.git('rev-parse', 'HEAD'),
      ref: 'refs/heads/main',
      trigger: 'push',
      labels: ['docker'],
    });
    runIds.push(runId);
    const record = await fx.waitForRun(runId, { timeoutMs: 90_000 });
    const entries = await fx.entries(runId);
    expect(record.status, lines(entries).join('\n')).toBe('success');
    expect(lines(entries)).toContain('version [3.1.4]');
    expect(lines(entries).some((line) => line.startsWith('actions: copied juliangruber-read-file-action@v1'))).toBe(
      true,
    );
  }, 120_000);
});
