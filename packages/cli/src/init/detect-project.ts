/** What `ferry init` found in a repository; the input of renderStarterPipeline. */
export interface ProjectProfile {
  /** A service/image name: lower-case letters, digits and dashes. */
  name: string;
  node?: NodeProject;
  go?: GoProject;
  python?: PythonProject;
  container?: ContainerProject;
}

export type PackageManager = 'npm' | 'yarn' | 'pnpm';

export interface NodeProject {
  manager: PackageManager;
  /** The lock file found, if any: it keys the dependency cache and makes the install reproducible. */
  lockFile?: string;
  /** The package.json scripts worth a job of their own, in pipeline order. */
  scripts: NodeScript[];
}

export type NodeScript = 'lint' | 'typecheck' | 'build' | 'test';

export interface GoProject {
  /** From go.mod's `go` directive (e.g. "1.22"), for the image tag. */
  version?: string;
  hasSum: boolean;
}

export interface PythonProject {
  requirements?: string;
  pyproject: boolean;
  pytest: boolean;
}

export interface ContainerProject {
  dockerfile: string;
  /** The first EXPOSEd port. */
  port?: number;
  /** The path of an HTTP HEALTHCHECK (`curl … http://localhost:PORT/path`), if the Dockerfile has one. */
  healthPath?: string;
}

/** The files `ferry init` reads; any other top-level file only counts by its name. */
export const detectedFiles: readonly string[] = [
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'go.mod',
  'go.sum',
  'pyproject.toml',
  'requirements.txt',
  'Dockerfile',
];

const nodeScripts: readonly NodeScript[] = ['lint', 'typecheck', 'build', 'test'];
/** What `npm init` puts in scripts.test: a placeholder that always fails, not a test suite. */
const npmPlaceholderTest = /no test specified/;

/**
 * Pure: a repository's top-level files (name → content; content may be empty for files not in
 * detectedFiles) and its directory name → what kind of project it is. Unreadable manifests (bad JSON)
 * count as present with nothing detected in them, never as an error.
 */
export function detectProject(files: Readonly<Record<string, string>>, dirName: string): ProjectProfile {
  const has = (name: string) => Object.hasOwn(files, name);
  const manifest = has('package.json') ? parseManifest(files['package.json'] ?? '') : undefined;
  const profile: ProjectProfile = { name: serviceName(manifest?.name ?? dirName) };

  if (manifest) {
    const lockFile = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'].find(has);
    const manager: PackageManager = lockFile === 'yarn.lock' ? 'yarn' : lockFile === 'pnpm-lock.yaml' ? 'pnpm' : 'npm';
    const scripts = nodeScripts.filter((script) => {
      const command = manifest.scripts[script];
      return command !== undefined && !(script === 'test' && npmPlaceholderTest.test(command));
    });
    profile.node = { manager, scripts, ...(lockFile ? { lockFile } : {}) };
  }
  if (has('go.mod')) {
    const version = /^go\s+(\d+\.\d+)/m.exec(files['go.mod'] ?? '')?.[1];
    profile.go = { hasSum: has('go.sum'), ...(version ? { version } : {}) };
  }
  if (has('pyproject.toml') || has('requirements.txt')) {
    const text = `${files['pyproject.toml'] ?? ''}\n${files['requirements.txt'] ?? ''}`;
    profile.python = {
      pyproject: has('pyproject.toml'),
      pytest:
        /\bpytest\b/.test(text) || Object.keys(files).some((name) => /^(tests?|pytest\.ini|conftest\.py)$/.test(name)),
      ...(has('requirements.txt') ? { requirements: 'requirements.txt' } : {}),
    };
  }
  if (has('Dockerfile')) profile.container = readDockerfile('Dockerfile', files.Dockerfile ?? '');
  return profile;
}

function parseManifest(text: string): { name?: string; scripts: Record<string, string> } {
  try {
    const data = JSON.parse(text) as { name?: unknown; scripts?: unknown };
    const scripts: Record<string, string> = {};
    if (data.scripts && typeof data.scripts === 'object')
      for (const [key, value] of Object.entries(data.scripts)) if (typeof value === 'string') scripts[key] = value;
    return { scripts, ...(typeof data.name === 'string' && data.name ? { name: data.name } : {}) };
  } catch {
    return { scripts: {} };
  }
}

function readDockerfile(path: string, text: string): ContainerProject {
  const port = /^\s*EXPOSE\s+(\d+)/im.exec(text)?.[1];
  const health = /^\s*HEALTHCHECK\b.*?https?:\/\/(?:localhost|127\.0\.0\.1)(?::\d+)?(\/[^\s"'|;&]*)/im.exec(text)?.[1];
  return {
    dockerfile: path,
    ...(port && Number(port) >= 1 && Number(port) <= 65535 ? { port: Number(port) } : {}),
    ...(health ? { healthPath: health } : {}),
  };
}

/** "@acme/Web App" → "web-app": the last segment of a package name, safe as a service and image name. */
export function serviceName(raw: string): string {
  const name = (raw.split('/').pop() ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(name) ? name.slice(0, 40).replace(/-+$/, '') : `app${name ? `-${name}` : ''}`.slice(0, 40);
}
