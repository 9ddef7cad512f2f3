/**
 * The image a job gets for the tool a setup action asks for. `{version}` is the version asked for, normalized
 * to the image's tag spelling. Overrides (`ferry import --image node=ferry/node:20`) replace a tool's entry
 * for every version, or for one (`node:18=…`).
 */
export const toolImages: Readonly<Record<string, string>> = {
  /** A job that sets up nothing: a stand-in for GitHub's ubuntu-latest runner (git, curl, compilers). */
  runner: 'buildpack-deps:noble',
  node: 'node:{version}',
  go: 'golang:{version}',
  python: 'python:{version}',
  pypy: 'pypy:{version}',
  java: 'eclipse-temurin:{version}',
  rust: 'rust:{version}',
  uv: 'ghcr.io/astral-sh/uv:python{version}-bookworm',
  bun: 'oven/bun:{version}',
  deno: 'denoland/deno:{version}',
  ruby: 'ruby:{version}',
  graalvm: 'ghcr.io/graalvm/jdk-community:{version}',
};

const defaultVersions: Readonly<Record<string, string>> = {
  node: 'lts',
  go: 'latest',
  python: '3',
  pypy: 'latest',
  java: '21',
  rust: 'latest',
  uv: '3.12',
  bun: 'latest',
  deno: 'latest',
  ruby: 'latest',
  graalvm: '21',
};

/** `20.x` → `20`, `^18` → `18`, `lts/*` → `lts`, `stable` → `latest`; an expression is kept as written. */
export function normalizeVersion(tool: string, version: string | undefined): string {
  const raw = (version ?? '').trim();
  if (raw === '') return defaultVersions[tool] ?? 'latest';
  if (raw.includes('${{')) return raw;
  const lower = raw.toLowerCase();
  if (lower.startsWith('lts')) return 'lts';
  if (['stable', 'latest', 'current', 'node', '*', 'x'].includes(lower)) return tool === 'node' ? 'current' : 'latest';
  if (lower === 'nightly' || lower === 'beta') return lower;
  const cleaned = lower
    .replace(/^[v^~>=<\s]+/, '')
    .replace(/(\.(x|\*))+$/, '')
    .replace(/-dev$/, '-rc');
  return cleaned === '' ? (defaultVersions[tool] ?? 'latest') : cleaned;
}

export function imageFor(tool: string, version: string | undefined, overrides: Record<string, string> = {}): string {
  const normalized = normalizeVersion(tool, version);
  const template = overrides[`${tool}:${normalized}`] ?? overrides[tool] ?? toolImages[tool] ?? `${tool}:{version}`;
  return template.replaceAll('{version}', normalized);
}

/** Whether an image of the table (not an override) stands for `tool`: the report says it is a stand-in. */
export function isOverridden(
  tool: string,
  version: string | undefined,
  overrides: Record<string, string> = {},
): boolean {
  return overrides[`${tool}:${normalizeVersion(tool, version)}`] !== undefined || overrides[tool] !== undefined;
}
