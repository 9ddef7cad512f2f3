import { collectReferences } from '../expr/collect-references.js';
import { ExpressionSyntaxError } from '../expr/expression-syntax-error.js';
import { parseTemplate } from '../expr/parse-template.js';
import { asRecord } from './check-semantics.js';
import type { PathSegment, PendingIssue } from './pipeline-issue.js';

/** Values whoever pushes chooses: a branch or tag may be named `x$(id)` (git's ref rules allow `$`, `(`, `` ` ``). */
const pusherControlled = new Set(['git.branch', 'git.ref', 'git.tag']);

/**
 * Warnings (not errors: the file is valid) for a `run:` or a string `command:` that interpolates a value the
 * pusher controls: `${{ }}` is rendered into the script before the shell reads it, so the value becomes shell
 * code (GitHub Actions has the same trap). The fix is to pass it through `env:` and quote the variable.
 * Expression syntax errors are left to checkExpressions.
 */
export function checkShellInjection(data: unknown): PendingIssue[] {
  const issues: PendingIssue[] = [];
  const root = asRecord(data);
  for (const [id, job] of Object.entries(asRecord(root?.jobs) ?? {})) {
    const steps = asRecord(job)?.steps;
    if (Array.isArray(steps))
      steps.forEach((step, index) => check(asRecord(step)?.run, ['jobs', id, 'steps', index, 'run'], issues));
    for (const [alias, sidecar] of Object.entries(asRecord(asRecord(job)?.services) ?? {}))
      check(asRecord(sidecar)?.command, ['jobs', id, 'services', alias, 'command'], issues);
  }
  for (const [name, service] of Object.entries(asRecord(root?.services) ?? {}))
    check(asRecord(service)?.command, ['services', name, 'command'], issues);
  return issues;
}

function check(text: unknown, path: PathSegment[], issues: PendingIssue[]): void {
  if (typeof text !== 'string' || !text.includes('${{')) return;
  let parts;
  try {
    parts = parseTemplate(text);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return;
    throw error;
  }
  for (const part of parts) {
    if (part.kind !== 'expression') continue;
    for (const read of collectReferences(part.ast).reads) {
      const name = read.path.slice(0, 2).join('.').toLowerCase();
      if (!pusherControlled.has(name)) continue;
      const variable = name.replace('git.', '').toUpperCase();
      issues.push({
        code: 'SPEC_SHELL_INJECTION',
        path,
        at: 'value',
        focus: { text, offset: part.start + 3 + read.start },
        message:
          `\${{ ${name} }} is chosen by whoever pushes and is pasted into the shell script, so a name like ` +
          `x$(id) runs as a command; pass it through env: (${variable}: \${{ ${name} }}) and use "$${variable}"`,
      });
    }
  }
}
