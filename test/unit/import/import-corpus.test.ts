import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { importPipeline } from '../../../packages/engine/src/import/import-pipeline.js';
import type { ImportEntry } from '../../../packages/engine/src/import/import-types.js';
import { parsePipeline } from '../../../packages/engine/src/pipeline/parse-pipeline.js';
import { planPipeline } from '../../../packages/engine/src/plan/plan-pipeline.js';

/**
 * Real CI files of well-known projects (test/fixtures/import/SOURCES.md) translated and compared with reviewed
 * expected output (test/fixtures/import/expected/), then validated as `ferry import` does. The figures are the
 * ones docs/import.md reports.
 */
const root = new URL('../../fixtures/import', import.meta.url).pathname;

interface Case {
  kind: 'github' | 'gitlab';
  repo: string;
  file: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const kind of ['github', 'gitlab'] as const) {
    for (const repo of readdirSync(join(root, kind)).sort()) {
      const dir = join(root, kind, repo);
      const files =
        kind === 'gitlab'
          ? ['.gitlab-ci.yml']
          : readdirSync(join(dir, '.github/workflows'))
              .sort()
              .map((name) => `.github/workflows/${name}`)
              // A reusable workflow alone is not an entry point: it is inlined where it is called.
              .filter((file) => {
                const on = (parse(readFileSync(join(dir, file), 'utf8')) as { on?: unknown }).on;
                return (
                  on !== 'workflow_call' &&
                  !(typeof on === 'object' && on !== null && Object.keys(on).join() === 'workflow_call')
                );
              });
      for (const file of files) out.push({ kind, repo, file });
    }
  }
  return out;
}

function translate({ kind, repo, file }: Case) {
  const dir = join(root, kind, repo);
  const reader = {
    read: (path: string) => {
      const full = join(dir, path);
      return existsSync(full) && statSync(full).isFile() ? readFileSync(full, 'utf8') : undefined;
    },
  };
  const outcome = importPipeline(readFileSync(join(dir, file), 'utf8'), file, reader, {});
  if (!outcome.ok) throw new Error(`${repo}/${file}: ${outcome.problem}`);
  const parsed = parsePipeline(outcome.text, 'ferry.yml');
  const git = { sha: '0'.repeat(40), shortSha: '0000000', branch: 'main', ref: 'refs/heads/main', tag: '', repo: '' };
  const issues = parsed.spec
    ? planPipeline(parsed.spec, 'ferry.yml', { git, trigger: 'cli' }).issues.map((issue) => ({
        ...issue,
        ...parsed.locate(issue.path),
      }))
    : parsed.issues;
  const dropped = outcome.entries.filter((entry) => entry.kind === 'dropped');
  const exit = issues.length > 0 ? 2 : dropped.length > 0 ? 3 : 0;
  const onlyNonLinux = exit === 3 && dropped.every((entry) => entry.nonLinux === true);
  return { outcome, issues, exit, onlyNonLinux };
}

const report = (entries: ImportEntry[]) =>
  entries.map((entry) => `# ${entry.file}:${entry.line} ${entry.kind}: ${entry.message}`).join('\n');

describe('importing real CI files', () => {
  const all = cases();
  it.each(all.map((entry) => [`${entry.repo}/${entry.file}`, entry] as const))(
    '%s matches its reviewed translation',
    async (_, entry) => {
      const { outcome, issues, exit } = translate(entry);
      const name = `${entry.kind}/${entry.repo}__${entry.file.replace(/^\.github\/workflows\//, '').replace(/^\./, '')}`;
      const text = `${outcome.text}\n# exit ${exit}; report:\n${report(outcome.entries)}\n${issues.map((issue) => `# ISSUE ${issue.line}:${issue.col} ${issue.path} ${issue.message}`).join('\n')}\n`;
      await expect(text).toMatchFileSnapshot(join(root, 'expected', name));
    },
  );

  it('imports at least 80% of the GitHub files and 50% of the GitLab ones with exit 0 (or 3 for non-Linux cells only)', () => {
    const figures = { github: { ok: 0, total: 0 }, gitlab: { ok: 0, total: 0 } };
    for (const entry of all) {
      const { exit, onlyNonLinux } = translate(entry);
      figures[entry.kind].total++;
      if (exit === 0 || onlyNonLinux) figures[entry.kind].ok++;
    }
    expect(figures.github.total).toBeGreaterThanOrEqual(20);
    expect(figures.gitlab.total).toBeGreaterThanOrEqual(8);
    expect(figures.github.ok / figures.github.total).toBeGreaterThanOrEqual(0.8);
    expect(figures.gitlab.ok / figures.gitlab.total).toBeGreaterThanOrEqual(0.5);
  });
});
