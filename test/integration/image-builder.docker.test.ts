import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '../../packages/engine/src/exec/docker/docker-executor.js';
import { reapResources } from '../../packages/engine/src/exec/docker/reap-resources.js';
import { planBuild } from '../../packages/engine/src/plan/translate-job.js';
import { readGitContext } from '../../packages/engine/src/git/read-git-context.js';
import { ImageBuilder } from '../../packages/engine/src/image/image-builder.js';
import type { GitContext } from '../../packages/engine/src/plan/plan-pipeline.js';
import type { JobHandlerContext, JobHandlerResult } from '../../packages/engine/src/run/job-handler.js';
import type { BuildSpec } from '../../packages/engine/src/pipeline/pipeline-schema.js';
import { buildJobRun } from '../helpers/build-job-run.js';
import { runYaml, testGit, uniqueRunId } from '../helpers/run-yaml.js';
import { startRegistry, type TestRegistry } from '../helpers/start-registry.js';
import { createTempGitRepo, type TempFile, type TempGitRepo } from '../helpers/temp-git-repo.js';

const docker = new Docker();
const fixtures = new URL('../fixtures/image/', import.meta.url).pathname;
const unique = `${process.pid}-${Date.now().toString(36)}`;
/** Every image of this file is named after it, so parallel runs and other suites never meet. */
const NAME = `ferry-test/image-builder-${unique}`;

let repo: TempGitRepo;
let git: GitContext;
let registry: TestRegistry;
let authRegistry: TestRegistry;
let scratch: string;
const images = new Set<string>();
const danglingCandidates = new Set<string>();
const timings: Record<string, number> = {};

beforeAll(async () => {
  [registry, authRegistry] = await Promise.all([
    startRegistry(),
    startRegistry({ htpasswd: await readFile(path.join(fixtures, 'htpasswd'), 'utf8') }),
  ]);
  repo = await createTempGitRepo({
    ...(await readTree(path.join(fixtures, 'app'), 'app/')),
    ...(await readTree(path.join(fixtures, 'failing'), 'failing/')),
    ...(await readTree(path.join(fixtures, 'docker'), 'docker/')),
    ...(await readTree(path.join(fixtures, 'slow'), 'slow/')),
    // Unique content, so the first build of this run cannot come from an earlier run's cache.
    'app/build-id.txt': `${unique}\n`,
  });
  await repo.git('tag', 'v1.2.3');
  await repo.git('remote', 'add', 'origin', 'https://ci-bot:not-a-real-token@git.example.com/acme/shop.git');
  git = await readGitContext(repo.dir);
  scratch = await mkdtemp(path.join(tmpdir(), 'ferry-image-test-'));
});

afterAll(async () => {
  const problems: unknown[] = [];
  const attempt = async (cleanup: () => Promise<unknown>) => cleanup().catch((error: unknown) => problems.push(error));
  for (const image of images) await attempt(() => docker.getImage(image).remove({ force: true }).catch(ignoreMissing));
  // Step images left without a tag (before a failing step, or of a stage the target skipped over): children
  // first, untagged ones only, so a base image is never touched.
  for (const id of [...danglingCandidates].reverse()) {
    const info = await docker
      .getImage(id)
      .inspect()
      .catch(() => undefined);
    if (info && (info.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>').length === 0)
      await attempt(() => docker.getImage(id).remove().catch(ignoreMissing));
  }
  await attempt(async () => registry?.stop());
  await attempt(async () => authRegistry?.stop());
  await attempt(async () => repo?.cleanup());
  if (scratch) await attempt(() => rm(scratch, { recursive: true, force: true }));
  if (timings.first !== undefined)
    console.log(`image build times: first ${timings.first} ms, second (unchanged context) ${timings.second} ms`);
  if (problems.length > 0) throw new AggregateError(problems, 'cleanup of the image builder tests failed');
});

interface BuildRun {
  result: JobHandlerResult;
  lines: Array<{ stream: string; line: string }>;
  log: string;
  ms: number;
}

async function runBuild(
  build: BuildSpec,
  options: {
    secrets?: Record<string, string>;
    dockerConfigPath?: string;
    signal?: AbortSignal;
    onLine?: (line: string) => void;
  } = {},
): Promise<BuildRun> {
  const secrets = options.secrets ?? {};
  const builder = new ImageBuilder({
    docker,
    dockerConfigPath: options.dockerConfigPath ?? path.join(scratch, 'no-such-config.json'),
  });
  const job = buildJobRun({
    id: 'image',
    jobId: 'image',
    name: 'image',
    kind: 'build',
    stage: 'containerize',
    build: planBuild(build),
    secrets: Object.keys(secrets),
  });
  const lines: BuildRun['lines'] = [];
  const ctx: JobHandlerContext = {
    runId: `image-${unique}`,
    workspace: repo.dir,
    git,
    env: {},
    expr: { git, env: {}, matrix: {}, jobs: {}, secrets },
    secrets,
    signal: options.signal ?? new AbortController().signal,
    onLine: (stream, line) => {
      lines.push({ stream, line });
      options.onLine?.(line);
    },
    emit: () => {},
  };
  const started = performance.now();
  const result = await builder.run(job, ctx);
  const ms = Math.round(performance.now() - started);
  for (const key of ['imageId', 'image'] as const) if (result.outputs[key]) images.add(result.outputs[key]);
  for (const tag of (result.outputs.tags ?? '').split(',')) if (tag) images.add(tag);
  for (const { line } of lines) {
    const id = / ---> ([0-9a-f]{12})$/.exec(line)?.[1];
    if (id) danglingCandidates.add(id);
  }
  return { result, lines, log: lines.map(({ line }) => line).join('\n'), ms };
}

const appBuild = (overrides: Partial<BuildSpec> = {}): BuildSpec => ({
  context: 'app',
  tags: [`${NAME}:\${{ git.shortSha }}`, `${NAME}:\${{ git.branch }}`, `${NAME}:\${{ git.tag }}`],
  args: { GREETING: 'hi' },
  labels: { 'com.example.team': 'shop' },
  ...overrides,
});

describe('ImageBuilder on the Docker engine', () => {
  it('builds the fixture context honouring .dockerignore, tags it from git and labels it', async () => {
    const { result, log, ms } = await runBuild(appBuild());
    timings.first = ms;
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    const { imageId, image, tags, digest } = result.outputs;
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image).toBe(`${NAME}:${git.shortSha}`);
    expect(tags).toBe([`${NAME}:${git.shortSha}`, `${NAME}:main`, `${NAME}:v1.2.3`].join(','));
    expect(digest).toBe(imageId);
    // 5 instructions and one LABEL step per label (the OCI ones and com.example.team).
    expect(log).toContain('Step 1/9 : FROM ferry/busybox:1');
    expect(log).toMatch(/build context app with app\/Dockerfile: \d+ files, .*, app\/\.dockerignore applied/);

    expect(await runIn(`${NAME}:main`, ['cat', '/greeting.txt'])).toBe('hi from ferry');
    // The Dockerfile was sent (the engine read it) but, being in .dockerignore, is not in the image; neither are
    // the logs, secret.env or docs/ except docs/keep.md.
    expect((await runIn(`${NAME}:v1.2.3`, ['cat', '/listing.txt'])).split('\n')).toEqual([
      '/app',
      '/app/.dockerignore',
      '/app/build-id.txt',
      '/app/docs',
      '/app/docs/keep.md',
      '/app/hello.txt',
      '/app/src',
      '/app/src/app.sh',
    ]);
    const labels = (await docker.getImage(imageId!).inspect()).Config.Labels;
    const committed = (await repo.git('show', '-s', '--format=%cI', 'HEAD')).trim();
    // toMatchObject: the base image's own labels are inherited.
    expect(labels).toMatchObject({
      'com.example.team': 'shop',
      'org.opencontainers.image.revision': git.sha,
      'org.opencontainers.image.source': 'https://git.example.com/acme/shop',
      'org.opencontainers.image.created': new Date(committed).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  });

  it('takes a second build of the unchanged context from the cache', async () => {
    const first = await docker.getImage(`${NAME}:main`).inspect();
    const { result, log, ms } = await runBuild(appBuild());
    timings.second = ms;
    expect(result.status).toBe('success');
    expect(result.outputs.imageId).toBe(first.Id);
    expect(log.match(/ ---> Using cache/g)).toHaveLength(8);
    expect(log).toContain('(8 of 9 steps from cache)');
  });

  it('pushes every tag to a real registry, and the digest output pulls back the same image', async () => {
    const repository = `${registry.host}/${NAME}`;
    const { result, log } = await runBuild(
      appBuild({
        tags: [`${repository}:\${{ git.shortSha }}`, `${repository}:latest`, `${NAME}:local-only`],
        push: true,
      }),
    );
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('success');
    const { digest, imageId, image } = result.outputs;
    expect(image).toBe(`${repository}:${git.shortSha}`);
    expect(digest).toMatch(new RegExp(`^${escape(repository)}@sha256:[0-9a-f]{64}$`));
    expect(log).toContain(`pushing ${repository}:${git.shortSha} without credentials`);
    expect(log).toMatch(/[0-9a-f]{12}: Pushed/);
    expect(log).toContain(`pushed ${digest}`);
    expect(log).toContain(`${NAME}:local-only stays local: it names no registry`);

    const manifest = await fetch(`http://${registry.host}/v2/${NAME}/manifests/latest`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(manifest.headers.get('docker-content-digest')).toBe(digest!.split('@')[1]);

    // Gone from the engine, then back by digest alone: the deploy path.
    await docker.getImage(imageId!).remove({ force: true });
    await expect(docker.getImage(imageId!).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await pull(digest!);
    images.add(digest!);
    expect((await docker.getImage(digest!).inspect()).Id).toBe(imageId);
    expect(await runIn(digest!, ['cat', '/greeting.txt'])).toBe('hi from ferry');
  });

  it('fails a build whose RUN fails with an error naming the instruction, with its output', async () => {
    const { result, lines } = await runBuild({ context: 'failing', tags: [`${NAME}:failing`] });
    expect(result.status).toBe('failed');
    const error = result.error ?? '';
    expect(error.split('\n').slice(0, 2)).toEqual([
      'failing/Dockerfile step 3/7 failed: RUN echo "about to fail" && echo "something broke" >&2 && exit 7',
      'exit code 7; last output:',
    ]);
    expect(error).toContain('  about to fail');
    expect(error).toContain('  something broke');
    expect(lines).toContainEqual({ stream: 'stderr', line: 'something broke' });
    expect(lines.map(({ line }) => line)).not.toContain('never reached');
    expect(
      await docker
        .listContainers({ all: true, filters: { status: ['exited', 'created'], ancestor: ['ferry/busybox:1'] } })
        .then((list) => list.filter((c) => c.Command.includes('about to fail'))),
    ).toEqual([]);
  });

  it('fails a push to a stopped registry with a clear error', async () => {
    const stopped = await startRegistry();
    await stopped.stop();
    const { result } = await runBuild(appBuild({ tags: [`${stopped.host}/${NAME}:\${{ git.shortSha }}`], push: true }));
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(
      new RegExp(
        `^push of ${escape(stopped.host)}/${escape(NAME)}:${git.shortSha} failed: registry ${escape(stopped.host)} is unreachable \\(connection refused\\); is it running at that address\\?`,
      ),
    );
    expect(result.outputs.imageId).toMatch(/^sha256:/);
    expect(result.outputs.digest).toBeUndefined();
  });

  it('fails a Dockerfile the engine cannot parse, and a tag that is not a reference, as job failures', async () => {
    await repo.write({ 'bad/Dockerfile': 'FROM ferry/busybox:1\nFOO bar\n' });
    const unparsable = await runBuild({ context: 'bad', tags: [`${NAME}:bad`] });
    expect(unparsable.result).toMatchObject({
      status: 'failed',
      error: 'docker build of bad/Dockerfile failed: dockerfile parse error line 2: unknown instruction: FOO',
    });
    const invalid = await runBuild(appBuild({ tags: ['${{ git.branch }}/App:1'] }));
    expect(invalid.result).toMatchObject({
      status: 'failed',
      error:
        'tag "main/App:1" (from ${{ git.branch }}/App:1) is not a valid image reference: "App" is not a valid repository name component (repository names must be lowercase)',
    });
  });

  it('pushes with credentials from the Docker config file, and says so when credentials are missing or refused', async () => {
    const tags = [`${authRegistry.host}/${NAME}:auth`];
    const none = await runBuild(appBuild({ tags, push: true }));
    expect(none.result.status).toBe('failed');
    expect(none.result.error).toContain(
      `no credentials were found for ${authRegistry.host}: declare the secrets FERRY_REGISTRY_USER and FERRY_REGISTRY_PASSWORD`,
    );

    const refused = await runBuild(appBuild({ tags, push: true }), {
      secrets: { FERRY_REGISTRY_USER: 'ferry', FERRY_REGISTRY_PASSWORD: 'wrong' },
    });
    expect(refused.result.status).toBe('failed');
    expect(refused.result.error).toContain(
      "the registry refused the credentials from the job's secrets FERRY_REGISTRY_USER / FERRY_REGISTRY_PASSWORD",
    );
    expect(refused.log).not.toContain('wrong');

    const configPath = path.join(scratch, 'config.json');
    const auth = Buffer.from('ferry:ferry-test-password').toString('base64');
    await writeFile(configPath, JSON.stringify({ auths: { [`http://${authRegistry.host}`]: { auth } } }));
    const fromConfig = await runBuild(appBuild({ tags, push: true }), { dockerConfigPath: configPath });
    expect(fromConfig.result.error).toBeUndefined();
    expect(fromConfig.result.outputs.digest).toMatch(
      new RegExp(`^${escape(authRegistry.host)}/${escape(NAME)}@sha256:`),
    );
    expect(fromConfig.log).toContain(`with the credentials from ${configPath}`);
  });

  it('stops a build when the job is cancelled, leaving no build container', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const { result } = await runBuild(
      { context: 'slow', tags: [`${NAME}:slow`] },
      { signal: controller.signal, onLine: (line) => line === 'started' && controller.abort(new Error('cancelled')) },
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ status: 'failed', error: 'docker build of slow/Dockerfile was stopped' });
    await expect
      .poll(
        async () => (await docker.listContainers({ all: true })).filter((c) => c.Command.includes('not cancelled')),
        { timeout: 10_000 },
      )
      .toEqual([]);
  });

  it('builds a target stage of a Dockerfile outside the context, which COPY . does not see', async () => {
    const { result } = await runBuild({
      context: 'app',
      dockerfile: 'docker/release.Dockerfile',
      target: 'release',
      tags: [`${NAME}:release`],
    });
    expect(result.error).toBeUndefined();
    expect(await runIn(`${NAME}:release`, ['cat', '/stage/name.txt'])).toBe('release');
    const copied = (await runIn(`${NAME}:release`, ['ls', '-a', '/ctx'])).split(/\s+/);
    expect(copied).toContain('hello.txt');
    expect(copied.filter((name) => name.startsWith('.dockerfile.'))).toEqual([]);
  });
});

describe('a build job in a run', () => {
  it('hands the pushed digest to the jobs that need it', async () => {
    const runId = uniqueRunId('image');
    const repository = `${registry.host}/${NAME}`;
    const yaml = [
      'jobs:',
      '  image:',
      '    build:',
      '      context: app',
      `      tags: ["${repository}:\${{ git.shortSha }}"]`,
      '      push: true',
      '  deploy:',
      '    needs: image',
      '    image: ferry/busybox:1',
      // The run's sha is made up (testGit), so there is no commit to check out.
      '    checkout: false',
      '    steps:',
      '      - run: echo "deploying ${{ jobs.image.outputs.digest }}"',
    ].join('\n');
    try {
      const { result, events } = await runYaml(
        yaml,
        new DockerExecutor({ docker, labels: { 'ferry.test': 'image-builder' } }),
        {
          runId,
          workspace: repo.dir,
          deps: {
            handlers: {
              build: new ImageBuilder({ docker, dockerConfigPath: path.join(scratch, 'no-such-config.json') }),
            },
          },
        },
      );
      const image = result.jobs.find((job) => job.id === 'image');
      for (const key of ['imageId', 'image'] as const) if (image?.outputs[key]) images.add(image.outputs[key]);
      expect(result.status).toBe('success');
      const digest = image?.outputs.digest ?? '';
      expect(digest).toMatch(new RegExp(`^${escape(repository)}@sha256:[0-9a-f]{64}$`));
      expect(image?.outputs.image).toBe(`${repository}:${testGit.shortSha}`);
      const steps = events.filter((event) => event.type === 'step.started' && event.job === 'image');
      expect(steps).toMatchObject([{ name: 'docker build app && docker push' }]);
      const logged = events.flatMap((event) =>
        event.type === 'step.log' && event.job === 'deploy' ? [event.line] : [],
      );
      expect(logged).toContain(`deploying ${digest}`);
    } finally {
      await reapResources(docker, { runId });
    }
  });
});

async function runIn(image: string, cmd: string[]): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    Tty: true,
    Labels: { 'ferry.test': 'image-builder' },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const output = (await container.logs({ stdout: true, stderr: true })).toString().replace(/\r/g, '').trimEnd();
    if (StatusCode !== 0) throw new Error(`${cmd.join(' ')} in ${image} exited ${StatusCode}: ${output}`);
    return output;
  } finally {
    await container.remove({ force: true });
  }
}

async function pull(reference: string): Promise<void> {
  const stream = await docker.pull(reference);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function readTree(dir: string, prefix: string): Promise<Record<string, TempFile>> {
  const files: Record<string, TempFile> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const absolute = path.join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await readTree(absolute, `${prefix}${entry.name}/`));
    else
      files[`${prefix}${entry.name}`] = {
        content: await readFile(absolute, 'utf8'),
        mode: (await stat(absolute)).mode & 0o777,
      };
  }
  return files;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function ignoreMissing(error: unknown): void {
  if ((error as { statusCode?: number }).statusCode !== 404) throw error;
}
