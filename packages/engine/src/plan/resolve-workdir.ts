import path from 'node:path';

/**
 * A step's working directory: absolute as given, relative against the job's workdir, normalised. A value that
 * still holds `${{ }}` is only joined, so the expression stays intact; the run resolves it again once rendered.
 */
export function resolveWorkdir(jobWorkdir: string, workdir: string): string {
  if (workdir.includes('${{'))
    return workdir.startsWith('/') ? workdir : `${jobWorkdir.replace(/\/+$/, '')}/${workdir}`;
  return path.posix.resolve(jobWorkdir, workdir);
}
