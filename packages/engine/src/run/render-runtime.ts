import { renderTemplate } from '../expr/index.js';
import type { ExprContext } from '../expr/index.js';

/** Renders whatever `${{ }}` the planner left for run time (job outputs, secrets). */
export function renderRuntime(text: string, ctx: ExprContext): string {
  return text.includes('${{') ? renderTemplate(text, ctx) : text;
}
