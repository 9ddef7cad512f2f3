import path from 'node:path';
import dockerignore from '@balena/dockerignore';

// A CommonJS module whose typings declare a default export: under NodeNext that is `.default` of the import
// (the package sets `factory.default = factory` for exactly this).
const createMatcher = dockerignore.default;

/**
 * Which paths of a build context are sent to the engine. Matching is @balena/dockerignore, a port of Docker's
 * own matcher (moby's fileutils), case-sensitive as Docker is on Linux: a pattern matches a path or one of
 * its parent directories, `!` re-includes, the last matching pattern wins.
 */
export interface ContextFilter {
  /** Whether a file or directory (relative, `/`-separated) is sent. */
  includes(relative: string): boolean;
  /**
   * For a directory that is not sent: whether some `!` pattern could still re-include a path below it, so the
   * walk must go on inside. False lets the walk skip the directory whole (a `node_modules` costs nothing).
   */
  mayIncludeBelow(directory: string): boolean;
}

/** The patterns of a .dockerignore file as Docker reads them: one a line, trimmed, `#` comments and blank lines skipped. */
export function parseDockerignore(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * `keep` are paths sent whatever the patterns say: the Dockerfile and the .dockerignore file, which the docker
 * CLI also always sends (the engine itself then leaves them out of `COPY .` when they are ignored).
 */
export function createContextFilter(patterns: readonly string[], keep: readonly string[] = []): ContextFilter {
  const all = [...patterns, ...keep.map((file) => `!${escapePattern(file)}`)];
  const matcher = createMatcher({ ignorecase: false }).add(all);
  const exceptions = all
    .filter((pattern) => pattern.startsWith('!'))
    .map((pattern) => components(pattern.slice(1).trim()));
  return {
    includes: (relative) => !matcher.ignores(relative),
    mayIncludeBelow(directory) {
      const parts = directory.split('/');
      return exceptions.some((exception) => {
        // A pattern as deep as the directory or shallower decides the directory and everything below it
        // alike, so only deeper patterns (or `**`, which spans any depth) can re-include something inside.
        if (exception.includes('**')) return true;
        if (exception.length <= parts.length) return false;
        const prefix = exception.slice(0, parts.length).join('/');
        return createMatcher({ ignorecase: false }).add(prefix).ignores(directory);
      });
    },
  };
}

function components(pattern: string): string[] {
  const clean = path.posix.normalize(pattern).replace(/^\/+/, '').replace(/\/+$/, '');
  return clean === '.' || clean === '' ? [] : clean.split('/');
}

/** A file name as a pattern that matches only itself. */
function escapePattern(file: string): string {
  return file.replace(/[\\*?[\](){}+|^$.]/g, '\\$&');
}
