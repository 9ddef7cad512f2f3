import Docker from 'dockerode';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { demoCopy, ferry, ferryBin, tempRepo } from '../helpers/ferry-cli.js';
import { ferryContainers } from '../helpers/run-yaml.js';

const docker = new Docker();

describe('ferry CLI', () => {
  it('reports several positioned errors at once and exits 2 without a stack trace', async () => {
    const dir = await tempRepo({
      'ferry.yml': `jobs:
  build:
    imagee: ferry/busybox:1
    steps:
      - run: 42
  test:
    needs: [biuld]
    image: ferry/busybox:1
    steps:
      - run: echo \${{ matrix.os == }}
`,
    });
    const result = await ferry(['validate'], dir);
    expect(result.exitCode).toBe(2);
    expect(result.all).toContain('ferry.yml:3:5');
    expect(result.all).toContain('did you mean "image"?');
    expect(result.all).toContain('ferry.yml:5:14');
    expect(result.all).toMatch(/biuld.*did you mean "build"/);
    expect(result.all).toContain('EXPR_SYNTAX');
    expect(result.all).not.toMatch(/\n\s+at /);
  });

  it('reports a YAML syntax error and a cycle with positions', async () => {
    const bad = await tempRepo({ 'ferry.yml': 'jobs:\n  a:\n    image: [unclosed\n' });
    const yaml = await ferry(['validate'], bad);
    expect(yaml.exitCode).toBe(2);
    expect(yaml.all).toMatch(/ferry\.yml:\d+:\d+ SPEC_YAML/);
    const cyclic = await tempRepo({
      'ferry.yml':
        'jobs:\n  a:\n    needs: [b]\n    image: x\n    steps: [{ run: a }]\n  b:\n    needs: [a]\n    image: x\n    steps: [{ run: b }]\n',
    });
    const cycle = await ferry(['plan'], cyclic);
    expect(cycle.exitCode).toBe(2);
    expect(cycle.all).toMatch(/ferry\.yml:3:\d+ PLAN_CYCLE jobs\.a\.needs: jobs form a cycle: a → b → a/);
  });

  it('validates a pipeline with templates and includes, naming the included file at its line for its problems', async () => {
    const files = {
      'pipelines/ferry.yml': 'include: ci/jobs.yml\njobs:\n  t:\n    extends: .busybox\n    steps: [{ run: t }]\n',
      'ci/jobs.yml':
        'jobs:\n  .busybox: { image: ferry/busybox:1 }\n  a:\n    extends: .busybox\n    needs: [b]\n    steps: [{ run: a }]\n  b:\n    extends: .busybox\n    needs: [a]\n    steps: [{ run: b }]\n',
    };
    const cyclic = await tempRepo(files);
    const cycle = await ferry(['validate', 'pipelines/ferry.yml'], cyclic);
    expect(cycle.exitCode).toBe(2);
    expect(cycle.all).toMatch(/^ci\/jobs\.yml:5:\d+ PLAN_CYCLE jobs\.a\.needs: jobs form a cycle: a → b → a$/m);
    expect(cycle.all).not.toMatch(/\n\s+at /);
    const valid = await tempRepo({ ...files, 'ci/jobs.yml': 'jobs:\n  .busybox: { image: ferry/busybox:1 }\n' });
    const ok = await ferry(['validate', 'pipelines/ferry.yml'], valid);
    expect(ok.all).toContain('pipelines/ferry.yml: valid · 1 jobs');
    const missing = await tempRepo({ 'pipelines/ferry.yml': files['pipelines/ferry.yml'] });
    const gone = await ferry(['validate', 'pipelines/ferry.yml'], missing);
    expect(gone.exitCode).toBe(2);
    expect(gone.all).toContain(
      'pipelines/ferry.yml:1:10 SPEC_INCLUDE include: included file "ci/jobs.yml" does not exist in the repository',
    );
  });

  it('runs the demo pipeline green, records it, and prints its logs', async () => {
    const repoRoot = await demoCopy();
    const result = await ferry(['run', 'pipelines/demo.yml'], repoRoot);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(
      /\[report\/1\] bundle is \d+ bytes \(\d+ restored from the build job.s artifacts\), image sha256:[0-9a-f]{64}/,
    );
    const runs = await ferry(['runs', '--json'], repoRoot);
    const latest = JSON.parse(runs.stdout)[0];
    expect(latest).toMatchObject({ status: 'success', pipeline: 'demo' });
    const logs = await ferry(['logs', latest.id, 'unit'], repoRoot);
    expect(logs.all).toMatch(/pass [1-9]/);
  });

  it('exits 1 on a failing step and shows which step failed', async () => {
    const dir = await tempRepo({
      'ferry.yml': 'jobs:\n  t:\n    image: ferry/busybox:1\n    steps:\n      - run: echo about to fail; exit 7\n',
    });
    const result = await ferry(['run'], dir);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('[t/1] about to fail');
    expect(result.all).toContain('exited with code 7');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('cancels on %s and leaves no container', async (signal) => {
    const dir = await tempRepo({
      'ferry.yml':
        'jobs:\n  a:\n    image: ferry/busybox:1\n    steps: [{ run: sleep 60 }]\n  b:\n    image: ferry/busybox:1\n    steps: [{ run: sleep 60 }]\n',
    });
    const child = execa('node', [ferryBin, 'run', '--json'], { cwd: dir, reject: false });
    let runId = '';
    let stepsStarted = 0;
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const event = JSON.parse(line);
          runId = event.runId;
          if (event.type === 'step.started' && ++stepsStarted === 2) resolve();
        }
      });
    });
    expect((await ferryContainers(docker, runId)).length).toBe(2);
    child.kill(signal);
    const result = await child;
    expect(result.exitCode).toBe(signal === 'SIGINT' ? 130 : 143);
    expect(await ferryContainers(docker, runId)).toEqual([]);
  });

  it.each(['gc', 'run'] as const)(
    "after SIGKILL of the CLI, the next ferry %s removes the run's containers and networks",
    async (next) => {
      const dir = await tempRepo({
        'ferry.yml':
          'jobs:\n  a:\n    image: ferry/busybox:1\n    services:\n      side: { image: ferry/busybox:1, command: sleep 60 }\n    steps: [{ run: sleep 60 }]\n',
        'quick.yml': 'jobs:\n  q:\n    image: ferry/busybox:1\n    steps: [{ run: "true" }]\n',
      });
      const child = execa('node', [ferryBin, 'run', '--json'], { cwd: dir, reject: false });
      let runId = '';
      await new Promise<void>((resolve) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          for (const line of chunk.toString().split('\n').filter(Boolean)) {
            const event = JSON.parse(line);
            runId = event.runId;
            if (event.type === 'step.started') resolve();
          }
        });
      });
      child.kill('SIGKILL');
      await child;
      const networks = () => docker.listNetworks({ filters: { label: [`ferry.run=${runId}`] } });
      expect((await ferryContainers(docker, runId)).length).toBe(2);
      expect((await networks()).length).toBe(2);
      const after = next === 'gc' ? await ferry(['gc'], dir) : await ferry(['run', 'quick.yml'], dir);
      expect(after.exitCode, after.all).toBe(0);
      expect(await ferryContainers(docker, runId)).toEqual([]);
      expect(await networks()).toEqual([]);
      expect((await docker.listVolumes({ filters: { label: [`ferry.run=${runId}`] } })).Volumes ?? []).toEqual([]);
    },
  );
});
