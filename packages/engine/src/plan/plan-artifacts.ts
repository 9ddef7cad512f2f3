import { FerryError, type FerryErrorCode } from '../errors.js';
import type { DownloadSpec } from '../pipeline/pipeline-schema.js';
import type { JobRun, PlannedDownload } from './plan-types.js';

/** A plan issue (plan-pipeline.ts's PlanIssue). */
interface ArtifactIssue {
  code: FerryErrorCode;
  path: string;
  message: string;
}

const forbidden = /["<>|*?:\\/\r\n]/;

/**
 * An artifact name (or a `download:` one) with its plan-time expressions rendered. Names are known when planning:
 * they may read `matrix`, `git`, `env` and `run`, not `jobs` or `steps`.
 */
export function planArtifactName(text: string, render: (text: string) => string, field: string): string {
  const name = render(text).trim();
  if (name.includes('${{')) {
    throw new FerryError(
      'PLAN_INVALID',
      `${field} "${text}" reads a context known only while running; artifact names may use matrix, git, env and run`,
    );
  }
  if (name.length === 0 || forbidden.test(name)) {
    throw new FerryError(
      'PLAN_INVALID',
      `${field} "${name}" (from "${text}") is empty or has one of " : < > | * ? \\ / or a line break`,
    );
  }
  return name;
}

export function planDownload(spec: DownloadSpec, render: (text: string) => string): PlannedDownload[] {
  return spec.map((entry, index) => ({
    ...(entry.name !== undefined ? { name: planArtifactName(entry.name, render, `download[${index}].name`) } : {}),
    ...(entry.pattern !== undefined ? { pattern: render(entry.pattern) } : {}),
    path: entry.path !== undefined ? render(entry.path) : '.',
    merge: entry.merge ?? false,
  }));
}

/**
 * Names are unique in a run, as on GitHub (upload-artifact v4 refuses a second upload of a name), and a `download:`
 * by name must name an artifact of a job upstream.
 */
export function checkArtifacts(jobs: JobRun[]): ArtifactIssue[] {
  const issues: ArtifactIssue[] = [];
  const byName = new Map<string, JobRun[]>();
  for (const job of jobs) {
    const name = job.artifacts?.name;
    if (name !== undefined) byName.set(name, [...(byName.get(name) ?? []), job]);
  }
  for (const [name, uploaders] of byName) {
    if (uploaders.length < 2) continue;
    const [first, second] = uploaders as [JobRun, JobRun];
    const sameJob = uploaders.every((job) => job.jobId === first.jobId);
    issues.push({
      code: 'PLAN_ARTIFACT_CONFLICT',
      path: `jobs.${second.jobId}.artifacts.name`,
      message: `artifact "${name}" would be uploaded by ${uploaders.length} jobs (${uploaders
        .slice(0, 4)
        .map((job) => `"${job.id}"`)
        .join(', ')}${uploaders.length > 4 ? ', …' : ''}); artifact names are unique in a run${
        sameJob ? `: put the matrix values in the name, like "${name}-\${{ matrix.<axis> }}"` : ''
      }`,
    });
  }
  const byId = new Map(jobs.map((job) => [job.id, job]));
  for (const job of jobs) {
    const wanted = (job.download ?? []).flatMap((entry, index) => (entry.name !== undefined ? [{ entry, index }] : []));
    if (wanted.length === 0) continue;
    const upstream = upstreamArtifactNames(job, byId);
    for (const { entry, index } of wanted) {
      if (upstream.has(entry.name as string)) continue;
      issues.push({
        code: 'PLAN_ARTIFACT_UNKNOWN',
        path: `jobs.${job.jobId}.download[${index}].name`,
        message: `"${job.id}" downloads artifact "${entry.name ?? ''}", which no job it needs uploads (${
          upstream.size > 0 ? `named artifacts upstream: ${[...upstream].sort().join(', ')}` : 'none upstream is named'
        })`,
      });
    }
  }
  return issues;
}

/** The JobRuns a job waits for, directly or not: the ones whose artifacts it may download. */
export function upstreamJobs(job: JobRun, byId: ReadonlyMap<string, JobRun>): JobRun[] {
  const seen = new Set<string>();
  const out: JobRun[] = [];
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    const found = byId.get(id);
    if (!found) return;
    out.push(found);
    found.needs.forEach(visit);
  };
  job.needs.forEach(visit);
  return out;
}

function upstreamArtifactNames(job: JobRun, byId: ReadonlyMap<string, JobRun>): Set<string> {
  return new Set(upstreamJobs(job, byId).flatMap((run) => (run.artifacts?.name ? [run.artifacts.name] : [])));
}
