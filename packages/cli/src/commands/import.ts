import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import {
  FerryError,
  fileReader,
  formatIssues,
  importPipeline,
  mergeImports,
  repositoryRootOf,
  serializePipeline,
} from '@ferry/engine';
import type { ImportEntry, ImportResult } from '@ferry/engine';
import type { CliIO } from '../cli-io.js';
import { actionsDirOf, parseImagePairs } from '../load-plan.js';
import { checkPipelineText } from './init.js';

export interface ImportOptions {
  out?: string;
  stdout?: boolean;
  force?: boolean;
  image?: string[];
  actionsDir?: string;
}

/** Exit codes of `ferry import`: valid as is, valid with something dropped, not valid. */
export const importExitCodes = { ok: 0, invalid: 2, dropped: 3 } as const;

/**
 * `ferry import <file>…`: translates GitHub Actions workflows or GitLab CI files into one Ferry pipeline,
 * validates it as `ferry run` would, prints the report (file:line per entry) and writes it (ferry.yml, --out,
 * or --stdout). Exit 0 valid and nothing dropped, 3 valid but something dropped, 2 not valid.
 */
export function importCommand(io: CliIO, files: string[], options: ImportOptions): number {
  const images = options.image ? parseImagePairs(options.image) : {};
  const actionsDir = actionsDirOf(io, options.actionsDir);
  const actions = actionsDir !== undefined ? { actions: fileReader(actionsDir) } : {};
  const results: (ImportResult & { file: string })[] = [];
  for (const file of files) {
    const path = resolve(io.cwd, file);
    if (!existsSync(path)) throw new FerryError('SPEC_NOT_FOUND', `${file}: no such file`);
    const shown = relative(io.cwd, path) || path;
    const outcome = importPipeline(readFileSync(path, 'utf8'), shown, fileReader(repositoryRootOf(path)), {
      images,
      ...actions,
    });
    if (!outcome.ok) {
      throw new FerryError('SPEC_INVALID', `${shown} cannot be imported`, {
        diagnostics: [`${shown}:${outcome.line}:1 ${outcome.problem}`],
      });
    }
    results.push({ ...outcome, file: shown });
  }
  const merged = mergeImports(results);
  const first = results[0];
  const text =
    results.length === 1 && first
      ? first.text
      : serializePipeline(merged.pipeline, files.join(', '), first?.format ?? 'github');
  const target = options.out ?? 'ferry.yml';
  const issues = checkPipelineText(text, target);
  io.stderr.write(formatReport(merged.entries));
  const dropped = merged.entries.filter((entry) => entry.kind === 'dropped').length;
  if (options.stdout) io.stdout.write(text);
  else {
    const path = resolve(io.cwd, target);
    if (existsSync(path) && !options.force) {
      throw new FerryError('CLI_USAGE', `${target} exists; pass --force to overwrite it, --out <file> or --stdout`);
    }
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, path);
  }
  const counts = (['changed', 'approximated', 'dropped'] as const)
    .map((kind) => `${merged.entries.filter((entry) => entry.kind === kind).length} ${kind}`)
    .join(', ');
  if (issues.length > 0) {
    io.stderr.write(
      `${formatIssues(issues)}\n${options.stdout ? 'the pipeline' : `${target} was written but`} is not valid: ${issues.length} problem${issues.length === 1 ? '' : 's'} to fix by hand (${counts})\n`,
    );
    return importExitCodes.invalid;
  }
  io.stderr.write(
    `${options.stdout ? 'valid' : `wrote ${target}`}: ${Object.keys((merged.pipeline.jobs as object) ?? {}).length} jobs; ${counts}${dropped > 0 ? ' (see the dropped entries: they need a hand edit)' : ''}\n`,
  );
  return dropped > 0 ? importExitCodes.dropped : importExitCodes.ok;
}

/** The report, one entry a line: `file:line kind message`. */
export function formatReport(entries: ImportEntry[]): string {
  return entries.map((entry) => `${entry.file}:${entry.line} ${entry.kind}: ${entry.message}\n`).join('');
}
