import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { PipelineIncludes } from '../pipeline/compose-pipeline.js';
import { listIncludes } from '../pipeline/include-entries.js';
import { parsePipeline, type ParsePipelineResult } from '../pipeline/parse-pipeline.js';

/**
 * Remembers the parses of recent pipeline files: a runner's runs mostly share a few files, and the YAML parses
 * and the schema were ~10 % of a no-op run's CPU (docs/performance.md). Each result is keyed by everything it
 * depends on (a hash of the text, the name it is shown as, the included files as read), never by a path.
 * A parse is shared by every caller with the same input, so it is frozen (its spec deeply): planning reads it and
 * never writes into it.
 */
export class PipelineParseCache {
  readonly #parsed: LRUCache<string, ParsePipelineResult>;
  readonly #includes: LRUCache<string, readonly string[]>;

  constructor(max = 64) {
    this.#parsed = new LRUCache({ max });
    this.#includes = new LRUCache({ max });
  }

  /** parsePipeline, or what it returned for the same input. */
  parse(text: string, file: string, includes?: PipelineIncludes): ParsePipelineResult {
    const key = keyOf(JSON.stringify([file, includes?.path ?? null, includes ? [...includes.files] : null]), text);
    const known = this.#parsed.get(key);
    if (known) return known;
    const parsed = parsePipeline(text, file, includes);
    deepFreeze(parsed);
    this.#parsed.set(key, parsed);
    return parsed;
  }

  /** listIncludes (which parses the YAML too); a new array each call, callers may change it. */
  listIncludes(text: string, file: string): string[] {
    // The paths do not depend on the file's name (only the issues would, and listIncludes drops them).
    const key = keyOf('', text);
    let paths = this.#includes.get(key);
    if (!paths) this.#includes.set(key, (paths = listIncludes(text, file)));
    return [...paths];
  }
}

/** The process's cache (loadPipeline's). */
export const pipelineParseCache = new PipelineParseCache();

function keyOf(context: string, text: string): string {
  return createHash('sha256').update(context).update('\0').update(text).digest('base64');
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
