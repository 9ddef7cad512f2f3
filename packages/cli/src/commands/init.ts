import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { FerryError, findPipelineFile, formatIssues, parsePipeline, planPipeline } from '@ferry/engine';
import type { PipelineIssue } from '@ferry/engine';
import { exitCodes } from '../exit-codes.js';
import type { CliIO } from '../cli-io.js';
import { detectProject, detectedFiles } from '../init/detect-project.js';
import { renderStarterPipeline } from '../init/render-starter-pipeline.js';

export interface InitOptions {
  force?: boolean;
  /** Print the starter pipeline instead of writing it. */
  stdout?: boolean;
}

/** Manifests larger than this are not read: detection only needs their first lines or keys. */
const maxManifestBytes = 1 << 20;

/**
 * `ferry init`: writes a starter ferry.yml for the repository in the working directory, from what it finds
 * there. The text is parsed and planned before it is written (a file Ferry cannot run is never written), and
 * an existing pipeline file is kept unless --force.
 */
export function initCommand(io: CliIO, options: InitOptions): number {
  const existing = findPipelineFile(io.cwd);
  const target = existing ?? join(io.cwd, 'ferry.yml');
  const shown = relative(io.cwd, target);
  if (existing && !options.force && !options.stdout)
    throw new FerryError(
      'CLI_USAGE',
      `${shown} already exists: ferry init --force overwrites it (--stdout prints the starter)`,
    );

  const profile = detectProject(readTopLevel(io.cwd), basename(io.cwd));
  const text = renderStarterPipeline(profile);
  const issues = checkPipelineText(text, shown);
  if (issues.length > 0)
    throw new Error(`ferry init produced a pipeline it cannot run, nothing was written:\n${formatIssues(issues)}`);

  if (options.stdout) {
    io.stdout.write(text);
    return exitCodes.ok;
  }
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, target);
  const jobs = Object.keys(parsePipeline(text, shown).spec?.jobs ?? {});
  io.stdout.write(
    `${existing ? 'overwrote' : 'wrote'} ${shown}: ${jobs.length} jobs (${jobs.join(', ')})` +
      `${profile.container ? `, service ${profile.name}` : ''}\nnext: ferry validate · ferry plan · ferry run\n`,
  );
  return exitCodes.ok;
}

/** Parses and plans a pipeline text (the starter, an import) as `ferry run` would (with a placeholder commit: planning is pure). */
export function checkPipelineText(text: string, file: string): PipelineIssue[] {
  const parsed = parsePipeline(text, file);
  if (!parsed.spec) return parsed.issues;
  const git = { sha: '0'.repeat(40), shortSha: '0000000', branch: 'main', ref: 'refs/heads/main', tag: '', repo: '' };
  const planned = planPipeline(parsed.spec, file, { git, trigger: 'cli' });
  return planned.issues.map((issue) => ({ ...issue, ...parsed.locate(issue.path) }));
}

/** Top-level entry names → content for the files detection reads, '' for everything else. */
function readTopLevel(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    if (name === '.git') continue;
    files[name] = '';
    if (!detectedFiles.includes(name)) continue;
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile() && stat.size <= maxManifestBytes) files[name] = readFileSync(path, 'utf8');
  }
  return files;
}
