import type { PathSegment } from './pipeline-issue.js';

/** `['jobs', 'test', 'steps', 2, 'run']` → `jobs.test.steps[2].run`; keys that are not plain names are quoted: `env["A.B"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The inverse of formatPath: `jobs.test.steps[2].run` → `['jobs', 'test', 'steps', 2, 'run']`. */
export function parsePath(text: string): PathSegment[] {
  const path: PathSegment[] = [];
  const pattern = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/gy;
  for (let match = pattern.exec(text); match && match[0] !== ''; match = pattern.exec(text)) {
    if (match[1] !== undefined) path.push(Number(match[1]));
    else if (match[2] !== undefined) path.push(JSON.parse(match[2]) as string);
    else if (match[3] !== undefined) path.push(match[3]);
  }
  return path;
}
