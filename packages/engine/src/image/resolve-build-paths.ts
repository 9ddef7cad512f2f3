import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { FerryError } from '../errors.js';

export interface BuildPaths {
  /** The workspace, symlinks resolved. */
  root: string;
  /** Absolute, symlinks resolved. */
  contextDir: string;
  /** Absolute, symlinks resolved. */
  dockerfile: string;
  /** The Dockerfile relative to the workspace, for messages: `app/Dockerfile`. */
  dockerfileLabel: string;
  /** Context-relative paths never sent: the run store `.ferry` when the context is the workspace root. */
  omit: string[];
}

/**
 * Finds the context directory and the Dockerfile of a build, both relative to the workspace (the repository
 * root): the context defaults to `.`, the Dockerfile to `<context>/Dockerfile` (or `<context>/dockerfile`,
 * as the docker CLI accepts). Neither may lie outside the workspace, through `..` or a symlink: a pipeline
 * must not send the runner's files to a build. Throws IMAGE_CONTEXT naming the key and the fix.
 */
export async function resolveBuildPaths(
  workspace: string,
  context: string,
  dockerfile: string | undefined,
): Promise<BuildPaths> {
  const root = await realpath(workspace).catch((error: unknown) => {
    throw new FerryError('IMAGE_CONTEXT', `the workspace ${workspace} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  });
  const contextDir = await resolveInside(root, context, 'build.context');
  if (!(await isKind(contextDir, 'directory'))) {
    throw new FerryError(
      'IMAGE_CONTEXT',
      `build.context "${context}" is not a directory in the workspace; it is relative to the repository root`,
    );
  }
  let file: string;
  if (dockerfile !== undefined) {
    file = await resolveInside(root, dockerfile, 'build.dockerfile');
    if (!(await isKind(file, 'file'))) {
      const inContext = path.join(contextDir, dockerfile);
      const hint = (await isKind(inContext, 'file'))
        ? ` (did you mean "${slash(path.relative(root, inContext))}"?)`
        : '';
      throw new FerryError(
        'IMAGE_CONTEXT',
        `build.dockerfile "${dockerfile}" is not a file in the workspace; it is relative to the repository root, not to the context${hint}`,
      );
    }
  } else {
    const candidates = [path.join(contextDir, 'Dockerfile'), path.join(contextDir, 'dockerfile')];
    const found = await firstFile(candidates);
    if (!found) {
      const where = slash(path.relative(root, candidates[0] ?? contextDir)) || 'Dockerfile';
      throw new FerryError('IMAGE_CONTEXT', `no Dockerfile at ${where}; add one, or name it with build.dockerfile`);
    }
    file = await resolveInside(root, slash(path.relative(root, found)), 'build.dockerfile');
  }
  return {
    root,
    contextDir,
    dockerfile: file,
    dockerfileLabel: slash(path.relative(root, file)),
    omit: contextDir === root ? ['.ferry'] : [],
  };
}

async function resolveInside(root: string, relative: string, key: string): Promise<string> {
  const target = path.resolve(root, relative);
  let real = target;
  try {
    real = await realpath(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new FerryError('IMAGE_CONTEXT', `${key} "${relative}" cannot be read: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (!isInside(root, target) || !isInside(root, real)) {
    throw new FerryError(
      'IMAGE_CONTEXT',
      `${key} "${relative}" is outside the workspace; it must name a path inside the repository`,
    );
  }
  return real;
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

async function isKind(file: string, kind: 'file' | 'directory'): Promise<boolean> {
  try {
    const info = await stat(file);
    return kind === 'file' ? info.isFile() : info.isDirectory();
  } catch {
    return false;
  }
}

async function firstFile(candidates: string[]): Promise<string | undefined> {
  for (const candidate of candidates) if (await isKind(candidate, 'file')) return candidate;
  return undefined;
}

function slash(file: string): string {
  return file.split(path.sep).join('/');
}
