import { describe, expect, it } from 'vitest';
import { importPipeline } from '../../../packages/engine/src/import/import-pipeline.js';
import { mergeImports } from '../../../packages/engine/src/import/merge-imports.js';

const noFiles = { read: () => undefined };

function imported(text: string, file: string) {
  const outcome = importPipeline(text, file, noFiles);
  if (!outcome.ok) throw new Error(outcome.problem);
  return { ...outcome, file };
}

describe('mergeImports', () => {
  it('unites triggers, moves file env into jobs and prefixes a job id an earlier file took', () => {
    const ci = imported(
      'on: { push: { branches: [main] } }\nenv: { A: "1" }\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{ run: make test }]\n',
      '.github/workflows/ci.yml',
    );
    const lint = imported(
      'on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{ run: make lint }]\n  after:\n    needs: test\n    runs-on: ubuntu-latest\n    steps: [{ run: "echo ${{ needs.test.result }}" }]\n',
      '.github/workflows/lint.yml',
    );
    const { pipeline, entries } = mergeImports([ci, lint]);
    expect(pipeline.on).toEqual({ push: null, pull_request: null });
    const jobs = pipeline.jobs as Record<string, Record<string, unknown>>;
    expect(Object.keys(jobs)).toEqual(['test', 'lint-test', 'after']);
    expect(jobs.test?.env).toEqual({ A: '1' });
    expect(jobs.after).toMatchObject({ needs: ['lint-test'], steps: [{ run: 'echo ${{ jobs.lint-test.status }}' }] });
    expect(entries.map((entry) => entry.message)).toContain(
      'push: the files filter it differently; the merged pipeline runs on every push',
    );
  });
});
