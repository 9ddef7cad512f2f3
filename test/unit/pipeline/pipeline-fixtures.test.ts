import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../packages/engine/src/pipeline/index.js';
import { loadPipeline } from '../../../packages/engine/src/load/load-pipeline.js';

const root = join(import.meta.dirname, '../../fixtures/pipelines');
const fixtures = (kind: 'valid' | 'invalid') => readdirSync(join(root, kind)).filter((name) => name.endsWith('.yml'));
/** Issues of one fixture as the CLI prints them, with the path relative to the fixtures folder. */
const report = (name: string) => formatIssues(loadPipeline(join(root, 'invalid', name), `invalid/${name}`).issues);

describe('valid fixtures', () => {
  it.each(fixtures('valid'))('%s parses without issues', (name) => {
    const result = loadPipeline(join(root, 'valid', name), name);
    expect(formatIssues(result.issues)).toBe('');
    expect(result.spec?.jobs).toBeDefined();
  });
});

describe('invalid fixtures', () => {
  const covered = new Set<string>();
  const check = (name: string) => {
    covered.add(name);
    const result = loadPipeline(join(root, 'invalid', name), `invalid/${name}`);
    expect(result.spec).toBeUndefined();
    return report(name);
  };

  it('reports a value of the wrong type at the value', () => {
    expect(check('bad-type.yml')).toMatchInlineSnapshot(
      `"invalid/bad-type.yml:6:14 SPEC_INVALID jobs.build.steps[1].run: expected string, got number"`,
    );
  });

  it('reports each unknown key at the key, with a suggestion', () => {
    expect(check('unknown-key.yml')).toMatchInlineSnapshot(`
      "invalid/unknown-key.yml:3:5 SPEC_INVALID jobs.build.imagee: unknown key "imagee" (did you mean "image"?)
      invalid/unknown-key.yml:4:5 SPEC_INVALID jobs.build.allow_failure: unknown key "allow_failure" (did you mean "allowFailure"?)
      invalid/unknown-key.yml:7:9 SPEC_INVALID jobs.build.steps[0].timout: unknown key "timout" (did you mean "timeout"?)"
    `);
  });

  it('reports a need of an unknown job with a suggestion', () => {
    expect(check('unknown-need.yml')).toMatchInlineSnapshot(
      `"invalid/unknown-need.yml:7:13 PLAN_UNKNOWN_NEED jobs.deploy.needs[0]: job "deploy" needs unknown job "tests" (did you mean "test"?)"`,
    );
  });

  it('reports malformed expressions at the column of the problem', () => {
    expect(check('bad-expression.yml')).toMatchInlineSnapshot(`
      "invalid/bad-expression.yml:4:32 EXPR_SYNTAX jobs.test.if: expected a value after "&&", got end of expression in "git.branch == 'main' &&"
      invalid/bad-expression.yml:6:23 EXPR_SYNTAX jobs.test.steps[0].run: unknown function "contians" (did you mean "contains"?) in \${{ contians(git.ref, 'main') }}
      invalid/bad-expression.yml:9:31 EXPR_SYNTAX jobs.test.steps[1].run: expected a value after "==", got end of expression in \${{ git.sha == }}
      invalid/bad-expression.yml:10:19 EXPR_SYNTAX jobs.test.steps[2].run: unterminated "\${{" (a string in it is not closed) in \${{ 'unclosed"
    `);
  });

  it('reports duplicate step ids, bad ids and unknown shells at the value', () => {
    expect(check('step-ids.yml')).toMatchInlineSnapshot(`
      "invalid/step-ids.yml:7:13 SPEC_DUPLICATE_STEP_ID jobs.build.steps[1].id: step id "check" is already the id of steps[0] of job "build"; step ids are unique within a job
      invalid/step-ids.yml:9:13 SPEC_INVALID jobs.build.steps[2].id: expected a step id (letters, digits, _ and -; not starting with a digit or -)
      invalid/step-ids.yml:10:16 SPEC_INVALID jobs.build.steps[2].shell: expected sh, bash, python, or a command with {0} for the script file (like "bash -ex {0}")"
    `);
  });

  it('reports reads of steps a step cannot see, with suggestions', () => {
    expect(check('step-reads.yml')).toMatchInlineSnapshot(`
      "invalid/step-reads.yml:4:24 SPEC_INVALID jobs.build.env.EARLY: steps.version is only available in a step's run, env, if, workdir and in its job's outputs
      invalid/step-reads.yml:7:17 SPEC_UNKNOWN_STEP jobs.build.outputs.typo: job "build" has no step with id "verison" (did you mean "version"?)
      invalid/step-reads.yml:9:23 SPEC_UNKNOWN_STEP jobs.build.steps[0].run: steps.check is steps[2], which runs after this one; a step reads only the steps before it
      invalid/step-reads.yml:13:51 SPEC_INVALID jobs.build.steps[2].if: steps.version has no "result" (it has outputs, outcome, conclusion)
      invalid/step-reads.yml:14:23 SPEC_UNKNOWN_STEP jobs.build.steps[2].run: job "build" has no step with id "versoin" (did you mean "version"?)
      invalid/step-reads.yml:14:54 SPEC_UNKNOWN_STEP jobs.build.steps[2].run: steps.check is this step itself; a step reads only the steps before it
      invalid/step-reads.yml:20:23 SPEC_UNKNOWN_STEP jobs.other.steps[0].run: job "other" has no step with id "x" (no step of it has an id; add id: to the step)"
    `);
  });

  it('reports YAML syntax errors where yaml finds them', () => {
    expect(check('yaml-syntax.yml')).toMatchInlineSnapshot(
      `"invalid/yaml-syntax.yml:5:3 SPEC_YAML flow sequence in block collection must be sufficiently indented and end with a ]"`,
    );
  });

  it('reports a duplicate key as a YAML error naming the key', () => {
    expect(check('duplicate-key.yml')).toMatchInlineSnapshot(
      `"invalid/duplicate-key.yml:4:5 SPEC_YAML duplicate key "image""`,
    );
  });

  it('reports every problem of a file at once, in file order', () => {
    expect(check('many-errors.yml')).toMatchInlineSnapshot(`
      "invalid/many-errors.yml:7:11 SPEC_INVALID jobs.build.pull: expected one of if-not-present, always, never, got 'sometimes'
      invalid/many-errors.yml:8:14 SPEC_INVALID jobs.build.timeout: expected a duration like 30s, 10m or 1h30m
      invalid/many-errors.yml:11:9 SPEC_INVALID jobs.build.steps[1].run: required
      invalid/many-errors.yml:13:12 SPEC_INVALID jobs.test.stage: stage "tests" is not one of the stages (build, test) (did you mean "test"?)
      invalid/many-errors.yml:14:13 PLAN_UNKNOWN_NEED jobs.test.needs[0]: job "test" needs unknown job "biuld" (did you mean "build"?)
      invalid/many-errors.yml:15:5 SPEC_INVALID jobs.test.imagee: unknown key "imagee" (did you mean "image"?)
      invalid/many-errors.yml:16:12 SPEC_INVALID jobs.test.retry: expected a number <= 5, got 9
      invalid/many-errors.yml:18:14 SPEC_INVALID jobs.test.steps[0].run: expected string, got boolean
      invalid/many-errors.yml:20:3 SPEC_INVALID services.api.port: required
      invalid/many-errors.yml:22:15 SPEC_INVALID services.api.replicas: expected integer, got 1.5"
    `);
  });

  it('reports a steps job without an image', () => {
    expect(check('missing-image.yml')).toMatchInlineSnapshot(
      `"invalid/missing-image.yml:2:3 SPEC_INVALID jobs.test: a job with steps needs an image to run them in (add image: …)"`,
    );
  });

  it('reports a stage that is not in stages, with a suggestion', () => {
    expect(check('stage-not-in-stages.yml')).toMatchInlineSnapshot(
      `"invalid/stage-not-in-stages.yml:4:12 SPEC_INVALID jobs.unit.stage: stage "tset" is not one of the stages (build, test, deploy) (did you mean "test"?)"`,
    );
  });

  it('reports jobs with no kind or two kinds', () => {
    expect(check('job-kinds.yml')).toMatchInlineSnapshot(`
      "invalid/job-kinds.yml:2:3 SPEC_INVALID jobs.nothing: a job needs exactly one of steps, build or deploy
      invalid/job-kinds.yml:4:3 SPEC_INVALID jobs.both: a job needs exactly one of steps, build or deploy, not steps and build"
    `);
  });

  it('reports deploys of unknown services', () => {
    expect(check('unknown-service.yml')).toMatchInlineSnapshot(`
      "invalid/unknown-service.yml:3:26 SPEC_INVALID jobs.release.deploy.services[0]: job "release" deploys unknown service "apii" (did you mean "api"?)
      invalid/unknown-service.yml:3:32 SPEC_INVALID jobs.release.deploy.services[1]: job "release" deploys unknown service "web" (services: api)"
    `);
  });

  it('reports reads of unknown contexts and of secrets the job does not list', () => {
    expect(check('unknown-context.yml')).toMatchInlineSnapshot(`
      "invalid/unknown-context.yml:6:23 EXPR_EVAL jobs.test.steps[0].run: unknown context "matrx" (did you mean "matrix"?)
      invalid/unknown-context.yml:6:39 EXPR_EVAL jobs.test.steps[0].run: unknown context "github" (contexts: env, matrix, git, jobs, secrets, run, steps)
      invalid/unknown-context.yml:7:33 SPEC_INVALID jobs.test.steps[1].run: job "test" reads secrets.TOKEN but does not list it (add secrets: [TOKEN])"
    `);
  });

  it('reports matrix axes a job does not have', () => {
    expect(check('matrix-axis.yml')).toMatchInlineSnapshot(`
      "invalid/matrix-axis.yml:2:11 SPEC_INVALID env.OS: matrix.os is only available inside a job with a matrix
      invalid/matrix-axis.yml:8:23 SPEC_INVALID jobs.test.steps[0].run: job "test" has no matrix axis "nodes" (did you mean "node"?)
      invalid/matrix-axis.yml:12:23 SPEC_INVALID jobs.lint.steps[0].run: job "lint" has no matrix axis "node" (it has no matrix)"
    `);
  });

  it('reports job outputs read without needing the job', () => {
    expect(check('outputs-not-needed.yml')).toMatchInlineSnapshot(`
      "invalid/outputs-not-needed.yml:11:23 SPEC_INVALID jobs.test.steps[0].run: job "test" reads jobs.image.outputs but does not need "image" (add it to needs)
      invalid/outputs-not-needed.yml:11:56 SPEC_INVALID jobs.test.steps[0].run: job "test" cannot read jobs.test.outputs of itself
      invalid/outputs-not-needed.yml:11:83 SPEC_INVALID jobs.test.steps[0].run: unknown job "imag" in jobs.imag.outputs (did you mean "image"?)
      invalid/outputs-not-needed.yml:16:16 SPEC_INVALID services.api.image: service "api" reads jobs.image.outputs, but job "release" deploys it without needing "image""
    `);
  });

  it('explains unions, records and bounds in plain words', () => {
    expect(check('wrong-shapes.yml')).toMatchInlineSnapshot(`
      "invalid/wrong-shapes.yml:2:21 SPEC_INVALID on.push.branches: expected list, got string
      invalid/wrong-shapes.yml:6:14 SPEC_INVALID jobs.build.timeout: expected a duration like 30s, 10m or 1h30m (or a number of seconds), got boolean
      invalid/wrong-shapes.yml:7:12 SPEC_INVALID jobs.build.needs: expected string or list, got number
      invalid/wrong-shapes.yml:8:12 SPEC_INVALID jobs.build.env["1BAD"]: invalid name "1BAD": expected an environment variable name (letters, digits, _; not starting with a digit)
      invalid/wrong-shapes.yml:8:27 SPEC_INVALID jobs.build.env.OK: expected string, number or boolean, got mapping
      invalid/wrong-shapes.yml:10:7 SPEC_INVALID jobs.build.services.Redis: invalid name "Redis": expected a host name (lowercase letters, digits, . _ -)
      invalid/wrong-shapes.yml:13:13 SPEC_INVALID jobs.build.steps[0].if: expected a non-empty string
      invalid/wrong-shapes.yml:17:11 SPEC_INVALID services.api.port: expected number, got string
      invalid/wrong-shapes.yml:18:21 SPEC_INVALID services.api.health.http: expected a string starting with "/", got 'healthz'
      invalid/wrong-shapes.yml:21:27 SPEC_INVALID services.api.strategy.canary.steps[0].weight: expected a number <= 100, got 150
      invalid/wrong-shapes.yml:21:34 SPEC_INVALID services.api.strategy.canary.steps[1].weight: required
      invalid/wrong-shapes.yml:21:36 SPEC_INVALID services.api.strategy.canary.steps[1].foo: unknown key "foo" (allowed: weight, pause)"
    `);
  });

  it('reports an empty file and a file that is not a mapping', () => {
    expect(check('empty.yml')).toMatchInlineSnapshot(
      `"invalid/empty.yml:1:1 SPEC_INVALID the file is empty; a pipeline needs at least jobs:"`,
    );
    expect(check('not-a-mapping.yml')).toMatchInlineSnapshot(
      `"invalid/not-a-mapping.yml:1:1 SPEC_INVALID expected mapping, got list"`,
    );
  });

  it('has a test for every invalid fixture', () => {
    expect(fixtures('invalid').filter((name) => !covered.has(name))).toEqual([]);
  });
});
