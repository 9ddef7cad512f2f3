export { PipelineSchema, durationPattern, jobIdPattern } from './pipeline-schema.js';
export type {
  ArtifactsSpec,
  BuildSpec,
  CacheSpec,
  JobSpec,
  MatrixSpec,
  PipelineSpec,
  PullPolicy,
  Scalar,
  ServiceSpec,
  SidecarSpec,
  StepSpec,
} from './pipeline-schema.js';
export type { PipelineIssue } from './pipeline-issue.js';
export { parsePipeline, type ParsePipelineResult } from './parse-pipeline.js';
export type { IncludedFile, PipelineIncludes } from './compose-pipeline.js';
export { normalizeIncludePath } from './include-entries.js';
export type { SourcePosition } from './create-source-locator.js';
export { formatIssue, formatIssues } from './format-issue.js';
export { formatPath, parsePath } from './format-path.js';
export { parseDuration } from './parse-duration.js';
export { knownContexts } from './check-expressions.js';
export { pipelineJsonSchema } from './pipeline-json-schema.js';
export { fileSizeMessage, pipelineLimits } from './pipeline-limits.js';
