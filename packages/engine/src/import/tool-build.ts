import { imageFor, normalizeVersion } from './tool-images.js';

/**
 * What each tool's official image (all Debian based) installs, to copy into another tool's image with a
 * multi-stage `COPY --from=`: the paths and the environment its Dockerfile sets. node and python install
 * into /usr/local without clashing names (node: bin/node, lib/node_modules; python: bin/python3,
 * lib/python3.x, lib/libpython3.x.so, which python finds by its rpath in current images and older ones through
 * LD_LIBRARY_PATH, since the copy runs no ldconfig). node's yarn 1 lives in /opt of its image and is not copied
 * (its /usr/local/bin/yarn link dangles; `corepack enable` gives yarn). Checked against the Dockerfiles of
 * docker-library/python and golang, nodejs/docker-node and rust-lang/docker-rust.
 */
const copyRecipes: Readonly<Record<string, { paths: string[]; env: string[] }>> = {
  node: { paths: ['/usr/local/'], env: [] },
  python: { paths: ['/usr/local/'], env: ['LANG=C.UTF-8', 'LD_LIBRARY_PATH=/usr/local/lib'] },
  go: {
    paths: ['/usr/local/go'],
    env: ['GOTOOLCHAIN=local', 'GOPATH=/go', 'PATH=/go/bin:/usr/local/go/bin:$PATH'],
  },
  rust: {
    paths: ['/usr/local/rustup', '/usr/local/cargo'],
    env: ['RUSTUP_HOME=/usr/local/rustup', 'CARGO_HOME=/usr/local/cargo', 'PATH=/usr/local/cargo/bin:$PATH'],
  },
  java: { paths: ['/opt/java/openjdk'], env: ['JAVA_HOME=/opt/java/openjdk', 'PATH=/opt/java/openjdk/bin:$PATH'] },
};

/** Whether a tool's image can be copied into another image by a generated build job. */
export function isCopyableTool(tool: string): boolean {
  return tool in copyRecipes;
}

export interface ToolSetup {
  tool: string;
  /** As written (a version, or a `${{ matrix.x }}` expression); undefined: the tool's default. */
  version: string | undefined;
}

export interface ToolBuild {
  /** A job id shared by every job with the same tools and versions. */
  id: string;
  /** The image the build job tags and the job runs in: `ferry-tools:node20-python3.12`. */
  image: string;
  dockerfile: string;
}

/**
 * A Dockerfile that starts from the first tool's image and copies each further tool in from its own image, and
 * the image tag naming the tools and versions. Pure and deterministic: the same tools give the same text. Every
 * tool after the first must be copyable (isCopyableTool).
 */
export function toolBuild(tools: readonly ToolSetup[], overrides: Record<string, string> = {}): ToolBuild {
  const [first, ...rest] = tools;
  if (!first) throw new Error('toolBuild needs at least one tool');
  const versions = tools.map(({ tool, version }) => ({ tool, version: normalizeVersion(tool, version) }));
  const lines = [
    `# ferry import: ${versions.map(({ tool, version }) => `${tool} ${version}`).join(', ')} in one image`,
    `FROM ${imageFor(first.tool, first.version, overrides)}`,
  ];
  for (const { tool, version } of rest) {
    const recipe = copyRecipes[tool];
    if (!recipe) throw new Error(`${tool} has no copy recipe`);
    const from = imageFor(tool, version, overrides);
    for (const path of recipe.paths) lines.push(`COPY --from=${from} ${path} ${path}`);
    if (recipe.env.length > 0) lines.push(`ENV ${recipe.env.join(' ')}`);
  }
  const staticVersions = versions.every(({ version }) => !version.includes('${{'));
  return {
    id: `tools-${versions
      .map(({ tool, version }) => (staticVersions ? `${tool}-${version.replace(/[^A-Za-z0-9_-]/g, '_')}` : tool))
      .join('-')}`,
    image: `ferry-tools:${versions.map(({ tool, version }) => `${tool}${version}`).join('-')}`,
    dockerfile: `${lines.join('\n')}\n`,
  };
}
