import { LineCounter, parseDocument } from 'yaml';
import { createSourceLocator, type SourcePosition } from './create-source-locator.js';
import {
  countJobKeys,
  fileSizeMessage,
  findDuplicateKeys,
  findTooDeep,
  jobCountMessage,
  pipelineLimits,
} from './pipeline-limits.js';
import type { PendingIssue, PipelineIssue } from './pipeline-issue.js';

export interface ReadDocument {
  /** The file's data (aliases and `<<` merges resolved); null for an empty file. Absent when there are issues. */
  data?: unknown;
  /** Places an issue whose path is into this file. */
  locate: (issue: PendingIssue) => SourcePosition;
  issues: PipelineIssue[];
}

/**
 * One YAML file → its data, or the issues that stop it being read: over a limit (SPEC_LIMIT, before the parser
 * sees it), YAML syntax (SPEC_YAML), duplicate keys. Issues name `file`. Never throws on bad input.
 */
export function readDocument(text: string, file: string): ReadDocument {
  const unplaced = () => ({ line: 1, col: 1 });
  const refused = checkTextLimits(text, file);
  if (refused) return { issues: [refused], locate: unplaced };
  const lineCounter = new LineCounter();
  // Duplicate keys are found below, in linear time.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false });
  const locate = createSourceLocator(doc, lineCounter, text);
  if (doc.errors.length > 0) {
    return {
      locate,
      issues: doc.errors.map((error) => ({
        code: 'SPEC_YAML',
        file,
        ...lineCounter.linePos(error.pos[0]),
        path: '',
        message: yamlMessage(error.code, error.message, text.slice(error.pos[0])),
      })),
    };
  }
  const duplicates = findDuplicateKeys(doc, lineCounter);
  if (duplicates.length > 0) {
    return {
      locate,
      issues: duplicates.map(({ line, col, key }) => ({
        code: 'SPEC_YAML',
        file,
        line,
        col,
        path: '',
        message: `duplicate key "${key}"`,
      })),
    };
  }
  if (doc.contents === null) return { data: null, locate, issues: [] };
  try {
    return { data: doc.toJS(), locate, issues: [] };
  } catch (error) {
    return {
      locate,
      issues: [
        { code: 'SPEC_YAML', file, line: 1, col: 1, path: '', message: yamlMessage('', (error as Error).message, '') },
      ],
    };
  }
}

/** A file too large or nested too deeply to parse safely: refused before the YAML parser sees it. */
function checkTextLimits(text: string, file: string): PipelineIssue | undefined {
  const tooLarge = fileSizeMessage(Buffer.byteLength(text, 'utf8'));
  if (tooLarge !== undefined) return { code: 'SPEC_LIMIT', file, line: 1, col: 1, path: '', message: tooLarge };
  const deep = findTooDeep(text, pipelineLimits.depth);
  if (deep)
    return {
      code: 'SPEC_LIMIT',
      file,
      ...deep,
      path: '',
      message: `YAML nests more than ${pipelineLimits.depth} levels deep here`,
    };
  const jobs = countJobKeys(text);
  const tooManyJobs = jobCountMessage(jobs.count);
  if (tooManyJobs !== undefined)
    return { code: 'SPEC_LIMIT', file, line: jobs.line, col: 1, path: 'jobs', message: tooManyJobs };
  return undefined;
}

/** yaml's message, lower-cased like ours; the two common ones reworded to name the thing. `rest` is the source from the error on. */
function yamlMessage(code: string, message: string, rest: string): string {
  if (code === 'DUPLICATE_KEY')
    return `duplicate key "${/^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/
      .exec(rest)?.[1]
      ?.trim()
      .replace(/^["']|["']$/g, '')}"`;
  if (code === 'MULTIPLE_DOCS') return 'a pipeline file holds one YAML document; remove the "---" separator';
  return message.charAt(0).toLowerCase() + message.slice(1);
}
