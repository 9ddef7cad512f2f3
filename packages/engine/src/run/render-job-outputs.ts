import type { ExprContext } from '../expr/index.js';
import type { JobRun } from '../plan/plan-types.js';
import { renderRuntime } from './render-runtime.js';

/**
 * A steps job's `outputs:` map rendered once its steps are done (`${{ steps.<id>.outputs.<name> }}`, as on
 * GitHub Actions); these win over same-named values written to $FERRY_OUTPUT. `error` names the first output
 * that could not be rendered; the others are still returned.
 */
export function renderJobOutputs(job: JobRun, ctx: ExprContext): { outputs: Record<string, string>; error?: string } {
  const rendered: Array<[string, string]> = [];
  let error: string | undefined;
  for (const [name, template] of Object.entries(job.outputs)) {
    try {
      rendered.push([name, renderRuntime(template, ctx)]);
    } catch (caught) {
      error ??= `outputs.${name}: ${(caught as Error).message}`;
    }
  }
  return { outputs: Object.fromEntries(rendered), ...(error !== undefined ? { error } : {}) };
}
