import path from 'node:path';
import picomatch from 'picomatch';
import { FerryError } from '../errors.js';
import { upstreamJobs } from '../plan/plan-artifacts.js';
import type { JobRun, Plan } from '../plan/plan-types.js';
import type { JobResult } from './run-types.js';

/** One archive to unpack before a job's first step: into `into` (relative to the workdir), or the workdir. */
export interface ArtifactRestore {
  from: string;
  name?: string;
  archive: string;
  into?: string;
}

/**
 * Which saved artifacts a job gets. Without `download:`, those of the jobs it needs directly: an unnamed one at
 * the paths it was saved from, a named one in `<name>/`. With it, the named artifacts of every job upstream that
 * the entries select (GitHub's download-artifact: `name` into `path`, else each in `path/<name>/`, or all in `path`
 * with `merge`). Throws RUN_ARTIFACT_MISSING for a name that was not saved in this run.
 */
export function selectArtifacts(job: JobRun, plan: Plan, results: ReadonlyMap<string, JobResult>): ArtifactRestore[] {
  const archiveOf = (id: string) => results.get(id)?.artifacts;
  const byId = new Map(plan.jobs.map((run) => [run.id, run]));
  if (job.download === undefined) {
    return job.needs.flatMap((need) => {
      const archive = archiveOf(need);
      if (archive === undefined) return [];
      const name = byId.get(need)?.artifacts?.name;
      return [name === undefined ? { from: need, archive } : { from: need, name, archive, into: name }];
    });
  }
  const saved = upstreamJobs(job, byId)
    .flatMap((run) => {
      const name = run.artifacts?.name;
      const archive = archiveOf(run.id);
      return name !== undefined && archive !== undefined ? [{ from: run.id, name, archive }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const into = (...parts: string[]) => {
    const joined = path.posix.join(...parts);
    return joined === '.' ? {} : { into: joined };
  };
  return job.download.flatMap((entry) => {
    if (entry.name !== undefined) {
      const found = saved.find((artifact) => artifact.name === entry.name);
      if (!found) {
        throw new FerryError(
          'RUN_ARTIFACT_MISSING',
          `artifact "${entry.name}" was not saved in this run (its job failed, was skipped, or its paths matched nothing); saved: ${
            saved.length > 0 ? saved.map((artifact) => artifact.name).join(', ') : 'none'
          }`,
        );
      }
      return [{ ...found, ...into(entry.path) }];
    }
    const matches = entry.pattern === undefined ? () => true : picomatch(entry.pattern, { dot: true });
    return saved
      .filter((artifact) => matches(artifact.name))
      .map((artifact) => ({ ...artifact, ...(entry.merge ? into(entry.path) : into(entry.path, artifact.name)) }));
  });
}
