import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitPipelineSource } from '../../../packages/runner/src/webhook/git-pipeline-source.js';
import { createTempGitRepo, type TempGitRepo } from '../../helpers/temp-git-repo.js';

const jobs = 'jobs:\n  a:\n    image: ferry/busybox:1\n    steps:\n      - run: "true"\n';
let repo: TempGitRepo;
let root: string;
let source: GitPipelineSource;
const lookups: boolean[] = [];

beforeAll(async () => {
  repo = await createTempGitRepo({ 'pipelines/ferry.yml': `name: nested\n${jobs}`, 'README.md': 'hi\n' });
  root = await mkdtemp(path.join(tmpdir(), 'ferry-pipelines-'));
  source = new GitPipelineSource(path.join(root, 'mirrors'), { onCacheLookup: (hit) => lookups.push(hit) });
});

afterAll(async () => {
  source?.close();
  await repo?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

const url = () => `file://${repo.dir}`;

describe('GitPipelineSource', () => {
  it('reads the first pipeline file that exists at the sha', async () => {
    const sha = await repo.git('rev-parse', 'HEAD');
    const pipeline = await source.read(url(), sha);
    expect(pipeline).toMatchObject({ path: 'pipelines/ferry.yml', spec: { name: 'nested' }, issues: [] });
    expect(await source.read(url(), sha, 'ci/none.yml')).toBeUndefined();
  });

  it('fetches a commit pushed after the mirror was made, and reads the file as committed there', async () => {
    await repo.write({ 'ferry.yml': `name: top\non:\n  push: { branches: [main] }\n${jobs}` });
    await repo.commit('top-level pipeline');
    const sha = await repo.git('rev-parse', 'HEAD');
    expect(await source.read(url(), sha)).toMatchObject({
      path: 'ferry.yml',
      spec: { name: 'top', on: { push: { branches: ['main'] } } },
    });
    await repo.write({ 'ferry.yml': 'jobs: [' });
    await repo.commit('broken');
    const broken = await source.read(url(), await repo.git('rev-parse', 'HEAD'));
    expect(broken?.spec).toBeUndefined();
    expect(broken?.issues[0]).toMatchObject({ code: 'SPEC_YAML', file: 'ferry.yml' });
  });

  it('reads included files from the same commit, and names them in issues', async () => {
    await repo.write({
      'ferry.yml': `name: with-include\ninclude: ci/jobs.yml\njobs:\n  t: { extends: .tmpl, steps: [{ run: t }] }\n`,
      'ci/jobs.yml': 'jobs:\n  .tmpl: { image: ferry/busybox:1 }\n',
    });
    await repo.commit('include');
    const first = await repo.git('rev-parse', 'HEAD');
    // The next commit changes the included file: the first commit must still read its own version.
    await repo.write({ 'ci/jobs.yml': 'jobs:\n  .tmpl: { image: ferry/busybox:1, timeout: soon }\n' });
    await repo.commit('broken include');
    const second = await repo.git('rev-parse', 'HEAD');
    expect(await source.read(url(), first)).toMatchObject({
      path: 'ferry.yml',
      spec: { name: 'with-include', jobs: { t: { image: 'ferry/busybox:1', steps: [{ run: 't' }] } } },
      issues: [],
    });
    expect((await source.read(url(), second))?.issues).toEqual([
      {
        code: 'SPEC_INVALID',
        file: 'ci/jobs.yml',
        line: 2,
        col: 45,
        path: 'jobs.t.timeout',
        message: 'expected a duration like 30s, 10m or 1h30m',
      },
    ]);
    await repo.remove('ci/jobs.yml');
    await repo.commit('include gone');
    const gone = await source.read(url(), await repo.git('rev-parse', 'HEAD'));
    expect(gone?.issues[0]).toMatchObject({
      code: 'SPEC_INCLUDE',
      file: 'ferry.yml',
      line: 2,
      message: 'included file "ci/jobs.yml" does not exist in the repository',
    });
  });

  it('answers concurrent reads of one commit with one lookup, then from its cache', async () => {
    const sha = await repo.git('rev-parse', 'HEAD~1');
    lookups.length = 0;
    const [a, b] = await Promise.all([source.read(url(), sha, 'README.md'), source.read(url(), sha, 'README.md')]);
    expect(a).toBe(b);
    await source.read(url(), sha, 'README.md');
    expect(lookups).toEqual([false, true, true]);
  });

  it('refuses a commit the repository does not have with WEBHOOK_PIPELINE_UNREADABLE', async () => {
    await expect(source.read(url(), 'deadbeef'.repeat(5))).rejects.toMatchObject({
      code: 'WEBHOOK_PIPELINE_UNREADABLE',
      message: expect.stringContaining('is not in'),
    });
    await expect(source.read('file:///nonexistent/repo.git', 'deadbeef'.repeat(5))).rejects.toMatchObject({
      code: 'WEBHOOK_PIPELINE_UNREADABLE',
      message: expect.stringContaining('cannot clone'),
    });
  });

  it('refuses a pipeline file over 2 MB without reading it, as SPEC_LIMIT', async () => {
    const big = await createTempGitRepo({ 'ferry.yml': `jobs:\n${'  # padding\n'.repeat(300_000)}` });
    try {
      const sha = await big.git('rev-parse', 'HEAD');
      const read = await source.read(`file://${big.dir}`, sha);
      expect(read?.spec).toBeUndefined();
      expect(read?.issues).toEqual([
        expect.objectContaining({
          code: 'SPEC_LIMIT',
          message: expect.stringContaining('more than the limit of 2 MB') as string,
        }),
      ]);
    } finally {
      await big.cleanup();
    }
  });

  it('gives up on a server that never answers after its timeout, and leaves no partial mirror', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const hungRoot = await mkdtemp(path.join(tmpdir(), 'ferry-pipelines-hung-'));
    const hung = new GitPipelineSource(hungRoot, { timeoutMs: 700 });
    const started = Date.now();
    try {
      await expect(hung.read(`git://127.0.0.1:${port}/shop.git`, 'deadbeef'.repeat(5))).rejects.toMatchObject({
        code: 'WEBHOOK_PIPELINE_UNREADABLE',
      });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await readdir(hungRoot)).toEqual([]);
    } finally {
      hung.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
      await rm(hungRoot, { recursive: true, force: true });
    }
  });

  it('tells the paths changed between two commits, and since a merge base', async () => {
    const first = await repo.git('rev-list', '--max-parents=0', 'HEAD');
    const head = await repo.git('rev-parse', 'HEAD');
    expect(await source.changedPaths(url(), first, head)).toEqual(['ferry.yml']);
    expect(await source.changedPaths(url(), 'refs/heads/main', head, { mergeBase: true })).toEqual([]);
    expect(await source.changedPaths(url(), 'cafe'.repeat(10), head)).toBeUndefined();
  });

  it('resolves a branch name to its commit and full ref', async () => {
    expect(await source.resolveRef(url(), 'main')).toEqual({
      sha: await repo.git('rev-parse', 'HEAD'),
      ref: 'refs/heads/main',
    });
    expect(await source.resolveRef(url(), 'nope')).toBeUndefined();
  });
});
