// node bench/checkout.bench.mjs [repo]: what a job's `.git` costs, on a repository (default: this one).
// Once per run: making the .git on the host (depth 1, depth 0). Per job: preparing a ferry/git:2 container
// with the workspace alone vs the workspace plus the depth-1 .git (median of alternating rounds).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { DockerExecutor, parsePipeline, planPipeline, readGitContext } from '../packages/engine/dist/index.js';
import { makeJobCheckout } from '../packages/engine/dist/git/make-job-checkout.js';

const repo = path.resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const rounds = Number(process.env.ROUNDS ?? 7);
const git = await readGitContext(repo);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const root = await mkdtemp(path.join(tmpdir(), 'ferry-checkout-bench-'));

async function make(depth, round) {
  const started = performance.now();
  const gitDir = await makeJobCheckout(
    { source: repo, sha: git.sha, branch: git.branch, tag: git.tag, remoteUrl: '', depth, tags: depth === 0 },
    path.join(root, `${depth}-${round}`),
  );
  return { ms: performance.now() - started, gitDir };
}

const make1 = [];
const make0 = [];
let gitDir;
for (let round = 0; round < 5; round++) {
  const one = await make(1, round);
  make1.push(one.ms);
  gitDir = one.gitDir;
  make0.push((await make(0, round)).ms);
}

const docker = new Docker();
const executor = new DockerExecutor({ docker });
const { spec } = parsePipeline(
  'jobs:\n  bench:\n    image: ferry/git:2\n    pull: never\n    steps: [{ run: "true" }]\n',
  'bench.yml',
);
const job = planPipeline(spec, 'bench.yml', { git }).plan.jobs[0];
async function prepare(withGit) {
  const lines = [];
  const started = performance.now();
  await executor.prepare(
    job,
    { runId: `bench-checkout-${process.pid}`, workspace: repo, env: {}, ...(withGit ? { gitDir } : {}) },
    { signal: new AbortController().signal, onLine: (_stream, line) => lines.push(line) },
  );
  const ms = performance.now() - started;
  await executor.teardown(job);
  return { ms, line: lines.at(-1) };
}
const without = [];
const withGit = [];
let copied;
await prepare(true); // warm-up
for (let round = 0; round < rounds; round++) {
  without.push((await prepare(false)).ms);
  const result = await prepare(true);
  withGit.push(result.ms);
  copied = result.line;
}
const gitSize = execFileSync('du', ['-sh', gitDir]).toString().split('\t')[0];
const gitFiles = execFileSync('find', [gitDir, '-type', 'f']).toString().trim().split('\n').length;
await rm(root, { recursive: true, force: true });

const fmt = (ms) => `${ms.toFixed(0)} ms`;
console.log(`repository ${repo} (${git.sha.slice(0, 7)})`);
console.log(`once per run: make .git depth 1 ${fmt(median(make1))}, depth 0 ${fmt(median(make0))}`);
console.log(`depth-1 .git: ${gitFiles} files, ${gitSize}`);
console.log(`per job: prepare without .git ${fmt(median(without))}, with depth-1 .git ${fmt(median(withGit))}`);
console.log(`added per job: ${fmt(median(withGit) - median(without))} (${copied})`);
