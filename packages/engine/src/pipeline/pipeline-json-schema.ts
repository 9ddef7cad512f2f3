import { z } from 'zod';
import {
  Artifacts,
  Build,
  Cache,
  Condition,
  ContainerEnvMap,
  Defaults,
  DeployJob,
  Duration,
  EnvMap,
  Extends,
  Include,
  Job,
  Matrix,
  PipelineSchema,
  PullPolicy,
  Service,
  Shell,
  Sidecar,
  Step,
  Triggers,
} from './pipeline-schema.js';

/**
 * Names (as definitions) and hover texts for the parts of the schema an author meets most. Kept here, not
 * on the zod schemas, so validation does not depend on documentation.
 */
function documentation(): z.core.$ZodRegistry<{ id: string; description: string }> {
  const registry = z.registry<{ id: string; description: string }>();
  const add = (schema: z.core.$ZodType, id: string, description: string) => registry.add(schema, { id, description });
  add(Duration, 'Duration', 'A duration: a number of seconds, or a string like 500ms, 30s, 10m or 1h30m.');
  add(Condition, 'Condition', "true, false, or an expression such as git.branch == 'main' (with or without ${{ }}).");
  add(EnvMap, 'Env', 'Environment variables: NAME: value. Values may hold ${{ }} expressions.');
  add(
    ContainerEnvMap,
    'ContainerEnv',
    'Environment of a service container: NAME: value; names may hold . and - (discovery.type). Values may hold ${{ }} expressions.',
  );
  add(PullPolicy, 'PullPolicy', 'When to pull the image: if-not-present (default), always or never.');
  add(Triggers, 'Triggers', 'Which forge events start the pipeline (push, pull_request, tag, manual).');
  add(
    Job,
    'Job',
    'A job runs in one container. It has exactly one of steps, build or deploy; a steps job needs an image.',
  );
  add(
    Step,
    'Step',
    'One script, run in the job container with sh -e (or its shell). With an id, later steps read steps.<id>.outputs.<name>, .outcome and .conclusion.',
  );
  add(
    Shell,
    'Shell',
    'sh (default: sh -e {0}), bash (bash --noprofile --norc -eo pipefail {0}), python, or a command line with {0} for the script file.',
  );
  add(
    Defaults,
    'Defaults',
    "shell and workdir for steps that set none; a job's defaults win over the pipeline's. A relative workdir is relative to the job's workdir.",
  );
  add(
    Extends,
    'Extends',
    "Jobs (usually templates, whose id starts with '.') whose keys this job takes: mappings are merged deeply, the job's own keys win, later parents over earlier, lists are replaced.",
  );
  add(
    Include,
    'Include',
    'Files of the repository (paths from its root) whose jobs, services and env join this file; this file wins where both set a key.',
  );
  add(
    Matrix,
    'Matrix',
    'Axes (name: [values]) whose product gives one job run per cell, plus include/exclude entries. Read as ${{ matrix.<axis> }}.',
  );
  add(Sidecar, 'Sidecar', 'A service container next to the job, reachable under its name.');
  add(Artifacts, 'Artifacts', 'Paths copied out of the job container after it ran.');
  add(Cache, 'Cache', 'Paths restored before and saved after the job, under a key.');
  add(Build, 'Build', 'Containerize: build an image from a context and tag (and push) it.');
  add(DeployJob, 'Deploy', 'Deploy the named services, one after another, each with its own strategy.');
  add(Service, 'Service', 'A deployable service: image, replicas, port, health check and rollout strategy.');
  return registry;
}

/**
 * The JSON Schema of a pipeline file, for editors (yaml-language-server) and other tools. Generated from
 * PipelineSchema so the two cannot disagree; docs/ferry.schema.json is this, written by scripts/write-schema.mjs.
 * Draft-07 because that is what most editors understand.
 */
export function pipelineJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PipelineSchema, {
    target: 'draft-07',
    io: 'input',
    metadata: documentation(),
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  // Top-level `x-` keys hold YAML anchors and are ignored; zod cannot say "unknown keys, but these".
  rest.patternProperties = { '^x-': {} };
  return {
    $schema,
    title: 'Ferry pipeline',
    description:
      'A Ferry pipeline file (ferry.yml): triggers, env, stages, jobs (steps, build or deploy) and the services it deploys. Strings may hold ${{ }} expressions.',
    ...rest,
  };
}

/** The committed file's exact text: two-space JSON and a final newline. */
export function pipelineJsonSchemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}
