import { didYouMean } from '../expr/suggest-name.js';
import type { PipelineSpec } from './pipeline-schema.js';
import type { PathSegment } from './pipeline-issue.js';
import type { FerryErrorCode } from '../errors.js';

/** What `steps.<id>` holds: `outputs.<name>`, `outcome` and `conclusion`. */
const stepFields = ['outputs', 'outcome', 'conclusion'];
/** The keys of a step that are rendered once earlier steps ran. */
const stepKeysReadingSteps = ['run', 'env', 'if', 'workdir'];

/**
 * A `steps.…` read at `path` of the file. `steps` is a job's own: it is readable in a step's run, env, if and
 * workdir (the ids of earlier steps only) and in the job's `outputs` (any step id). Reports nothing when fine.
 */
export function checkStepsRead(
  read: string[],
  path: readonly PathSegment[],
  spec: PipelineSpec,
  report: (message: string, code?: FerryErrorCode) => void,
): void {
  const [, stepId, field] = read;
  const [root, jobId, section, index, key] = path;
  const job = root === 'jobs' && typeof jobId === 'string' ? spec.jobs[jobId] : undefined;
  const inStep = section === 'steps' && typeof index === 'number' && stepKeysReadingSteps.includes(String(key));
  const inOutputs = section === 'outputs';
  if (!job || !(inStep || inOutputs))
    return report(
      `${read.slice(0, 2).join('.')} is only available in a step's ${stepKeysReadingSteps.join(', ')} and in its job's outputs`,
    );
  if (stepId === undefined) return;
  const steps = job.steps ?? [];
  const position = steps.findIndex((step) => step.id === stepId);
  const earlier = steps.slice(0, inStep ? index : steps.length).flatMap((step) => (step.id ? [step.id] : []));
  if (position === -1) {
    const known = steps.flatMap((step) => (step.id ? [step.id] : []));
    const hint =
      known.length === 0
        ? ' (no step of it has an id; add id: to the step)'
        : didYouMean(stepId, earlier) || didYouMean(stepId, known) || ` (step ids: ${known.join(', ')})`;
    return report(`job "${jobId}" has no step with id "${stepId}"${hint}`, 'SPEC_UNKNOWN_STEP');
  }
  if (inStep && position >= index) {
    const when = position === index ? 'this step itself' : `steps[${position}], which runs after this one`;
    return report(`steps.${stepId} is ${when}; a step reads only the steps before it`, 'SPEC_UNKNOWN_STEP');
  }
  if (field !== undefined && !stepFields.includes(field))
    report(`steps.${stepId} has no "${field}"${didYouMean(field, stepFields) || ` (it has ${stepFields.join(', ')})`}`);
}
