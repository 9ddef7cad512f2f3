import { textOf } from './text-of.js';
import type { ExpressionScope } from './github-expressions.js';
import type { ImportReport, Source, SourcePath } from './read-source.js';
import type { SourceReader } from './import-types.js';

/** A Ferry job being assembled from a source job: steps plus what actions turned into job settings. */
export interface JobDraft {
  id: string;
  steps: Record<string, unknown>[];
  /** Tools set up, in order: the first one picks the image. */
  tools: { tool: string; version: string | undefined; source: Source; path: SourcePath }[];
  checkout?: true | { depth: number; tags?: boolean };
  sawCheckout: boolean;
  cache?: { key: string; paths: string[]; restoreKeys?: string[] };
  env: Record<string, string>;
  artifacts?: { paths: string[]; when?: 'always' | 'on-failure'; expireIn?: string };
  secrets: Set<string>;
  /** docker/build-push-action and docker/metadata-action inputs, when the job builds an image. */
  docker?: { build?: Record<string, unknown>; buildPath?: SourcePath; images?: string[] };
  /** A run step or an action that needs a shell: the job cannot become a `build:` job. */
  hasWork: boolean;
  /** JavaScript actions run: their `pre` steps start the job, their `post` steps end it (in reverse order). */
  jsActions: number;
  pres: Record<string, unknown>[];
  posts: Record<string, unknown>[];
  /** The node version the first JavaScript action asks for (`runs.using: node20` → `20`): the image when nothing else picks one. */
  nodeVersion?: string;
  /** Directories of the actions directory the job's actions come from (the job's `actions:`). */
  actions: Set<string>;
}

export function newJobDraft(id: string): JobDraft {
  return {
    id,
    steps: [],
    tools: [],
    sawCheckout: false,
    env: {},
    secrets: new Set(),
    hasWork: false,
    jsActions: 0,
    pres: [],
    posts: [],
    actions: new Set(),
  };
}

/** Everything translating a step needs. */
export interface StepContext {
  source: Source;
  report: ImportReport;
  reader: SourceReader;
  /** The actions directory, when the import was given one. */
  actions?: SourceReader;
  scope: ExpressionScope;
  job: JobDraft;
  /** GITHUB_ACTION_PATH of the composite action whose steps are being inlined, for their run steps. */
  actionPath?: string;
  /** Nesting of composite actions, to refuse a cycle. */
  depth: number;
}

/** Adds a cache to the job; Ferry has one cache per job, so a second one is merged into it. */
export function addCache(
  ctx: StepContext,
  at: SourcePath,
  key: string,
  paths: string[],
  restoreKeys: string[] = [],
): void {
  const job = ctx.job;
  if (!job.cache) {
    job.cache = { key, paths, ...(restoreKeys.length > 0 ? { restoreKeys } : {}) };
    return;
  }
  job.cache = {
    key: `${job.cache.key}-${key}`,
    paths: [...new Set([...job.cache.paths, ...paths])],
  };
  ctx.report.add(
    'approximated',
    ctx.source,
    at,
    'Ferry has one cache per job: this cache is merged with the earlier one (one key, restore keys dropped)',
  );
}

/** A multi-line or list input as its lines. */
export function inputLines(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (value === undefined || value === null) return [];
  return textOf(value)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}
