import { FerryError, isFerryError } from '../errors.js';
import { renderTemplate, type ExprContext } from '../expr/index.js';
import type { PlannedBuild } from '../plan/plan-types.js';
import type { RenderedTag } from './resolve-tags.js';

/** A `build:` section with every `${{ }}` rendered against the job's run-time context. */
export interface RenderedBuild {
  /** Relative to the workspace; `.` when not given. */
  context: string;
  /** Relative to the workspace (like docker/build-push-action's `file`); `<context>/Dockerfile` when not given. */
  dockerfile?: string;
  /** The Dockerfile's text: the context is empty. */
  dockerfileInline?: string;
  target?: string;
  args: Record<string, string>;
  labels: Record<string, string>;
  tags: RenderedTag[];
  push: boolean;
  cacheFrom: string[];
}

/** Renders tags, args and label values, context, dockerfile, target and cacheFrom. Throws EXPR_SYNTAX / EXPR_EVAL naming the key. */
export function renderBuild(build: PlannedBuild, expr: ExprContext): RenderedBuild {
  const render = (text: string, where: string): string => {
    try {
      return renderTemplate(text, expr);
    } catch (error) {
      if (isFerryError(error)) throw new FerryError(error.code, `build.${where}: ${error.message}`, { cause: error });
      throw error;
    }
  };
  const target = build.target === undefined ? undefined : render(build.target, 'target');
  const dockerfile = build.dockerfile === undefined ? undefined : render(build.dockerfile, 'dockerfile');
  const inline = build.dockerfileInline === undefined ? undefined : render(build.dockerfileInline, 'dockerfileInline');
  return {
    context: build.context === undefined ? '.' : render(build.context, 'context') || '.',
    ...(dockerfile ? { dockerfile } : {}),
    ...(inline ? { dockerfileInline: inline } : {}),
    ...(target ? { target } : {}),
    args: Object.fromEntries(
      Object.entries(build.args).map(([name, value]) => [
        name,
        typeof value === 'string' ? render(value, `args.${name}`) : String(value),
      ]),
    ),
    labels: Object.fromEntries(
      Object.entries(build.labels).map(([name, value]) => [name, render(value, `labels.${name}`)]),
    ),
    tags: build.tags.map((template, index) => ({ template, value: render(template, `tags[${index}]`) })),
    push: build.push,
    cacheFrom: build.cacheFrom
      .map((image, index) => render(image, `cacheFrom[${index}]`))
      .filter((image) => image.trim() !== ''),
  };
}
