import { createHash } from 'node:crypto';

/** The labels every Docker resource Ferry creates carries; the reaper finds resources by them. */
export const LABEL = {
  run: 'ferry.run',
  job: 'ferry.job',
  jobRun: 'ferry.jobrun',
  /** `<hostname>:<pid>` of the process that created the resource. */
  owner: 'ferry.owner',
  /** Creation time, ms since epoch. */
  created: 'ferry.created',
  /** On a pre-started container no job has taken yet (and keeps after): the image of its pool slot. */
  pool: 'ferry.pool',
} as const;

const MAX_LABEL_VALUE = 256;

/** Label values stay printable and bounded: control characters become `_`; long values keep a hash of the original. */
export function sanitizeLabelValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = value.replace(/[\u0000-\u001f\u007f]/g, '_');
  if (printable.length <= MAX_LABEL_VALUE) return printable;
  return `${printable.slice(0, MAX_LABEL_VALUE - 9)}-${shortHash(value)}`;
}

export interface FerryLabelsInput {
  runId: string;
  jobId: string;
  jobRunId: string;
  owner: { hostname: string; pid: number };
  createdMs: number;
  /** Extra labels (e.g. the runner's name); Ferry's own labels win on a clash. */
  extra?: Record<string, string>;
}

export function buildLabels(input: FerryLabelsInput): Record<string, string> {
  return {
    ...input.extra,
    [LABEL.run]: sanitizeLabelValue(input.runId),
    [LABEL.job]: sanitizeLabelValue(input.jobId),
    [LABEL.jobRun]: sanitizeLabelValue(input.jobRunId),
    [LABEL.owner]: formatOwner(input.owner.hostname, input.owner.pid),
    [LABEL.created]: String(input.createdMs),
  };
}

export function formatOwner(hostname: string, pid: number): string {
  return `${sanitizeLabelValue(hostname)}:${pid}`;
}

/** Reads a `ferry.owner` value; undefined when it is missing or malformed. */
export function parseOwner(value: string | undefined): { hostname: string; pid: number } | undefined {
  if (!value) return undefined;
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const pidText = value.slice(colon + 1);
  if (!/^\d+$/.test(pidText)) return undefined;
  const pid = Number(pidText);
  return pid > 0 && Number.isSafeInteger(pid) ? { hostname: value.slice(0, colon), pid } : undefined;
}

/**
 * `ferry-<runId>-<jobRunId>` made of the characters Docker allows in names. A part that had to change
 * (`test (node=20)` → `test-node-20`) gets a short hash of the original so two JobRuns never share a name.
 */
export function containerName(runId: string, jobRunId: string): string {
  return `ferry-${nameSlug(runId, 40)}-${nameSlug(jobRunId, 60)}`;
}

function nameSlug(value: string, max: number): string {
  const slug = value.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  if (slug === value && slug.length <= max) return slug;
  const base = slug.slice(0, max - 9).replace(/[-.]+$/, '');
  return base ? `${base}-${shortHash(value)}` : shortHash(value);
}

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8);
}
