import type { NodeProject, ProjectProfile, PythonProject } from './detect-project.js';

/** Ferry's local Node image (scripts/build-images.sh builds it: node and npm, nothing to pull). */
export const localNodeImage = 'ferry/node:20';

interface StarterJob {
  id: string;
  stage: string;
  lines: string[];
}

/**
 * Pure: a detected project → the text of a starter ferry.yml, commented for the reader who will edit it.
 * Every job id, service name and expression it writes is valid by construction; initCommand still parses
 * and plans the result before writing it.
 */
export function renderStarterPipeline(profile: ProjectProfile): string {
  const jobs: StarterJob[] = [];
  if (profile.node) jobs.push(...nodeJobs(profile.node));
  if (profile.go) jobs.push(goJob(profile.go.version ?? '1.22', profile.go.hasSum));
  if (profile.python) jobs.push(pythonJob(profile.python));
  const { container } = profile;
  if (container) {
    jobs.push({
      id: 'image',
      stage: 'package',
      lines: [
        '    build:',
        '      context: .',
        ...(container.dockerfile === 'Dockerfile' ? [] : [`      dockerfile: ${container.dockerfile}`]),
        `      tags: ["${profile.name}:\${{ git.shortSha }}"]`,
      ],
    });
    jobs.push({
      id: 'release',
      stage: 'deploy',
      lines: ['    needs: [image]', "    if: git.branch == 'main'", `    deploy: { services: [${profile.name}] }`],
    });
  }
  if (jobs.length === 0)
    jobs.push({
      id: 'hello',
      stage: 'check',
      lines: ['    image: ferry/busybox:1', '    steps:', '      - run: echo "replace me with your build and tests"'],
    });

  const stages = ['check', 'build', 'test', 'package', 'deploy'].filter((stage) => jobs.some((j) => j.stage === stage));
  const out = [
    `# Ferry pipeline for ${profile.name}, written by \`ferry init\` from what it found here${found(profile)}.`,
    '# Run it with `ferry run`; check it with `ferry validate`. Syntax: Ferry docs/pipeline.md.',
    `name: ${profile.name}`,
    'on:',
    '  push: { branches: [main] }',
    '  pull_request: { branches: [main] }',
    `stages: [${stages.join(', ')}]`,
    'jobs:',
  ];
  for (const job of jobs) out.push(`  ${job.id}:`, `    stage: ${job.stage}`, ...job.lines);
  if (container) {
    const port = container.port ?? 8080;
    const health = container.healthPath ? `http: ${container.healthPath}` : 'tcp: true';
    out.push(
      'services:',
      `  ${profile.name}:`,
      '    image: ${{ jobs.image.outputs.image }}',
      '    replicas: 2',
      `    port: ${port}${container.port ? '' : ' # the port your container listens on (no EXPOSE found)'}`,
      `    publish: ${port} # Ferry's proxy serves it on 127.0.0.1:${port}`,
      `    health: { ${health}, interval: 1s, timeout: 1s, healthy: 1, unhealthy: 3 }${container.healthPath ? '' : ' # or http: /healthz'}`,
      '    strategy:',
      '      rolling: { maxSurge: 1, maxUnavailable: 0, monitor: 10s } # a failure in monitor rolls back by itself',
    );
  }
  return `${out.join('\n')}\n`;
}

function found(profile: ProjectProfile): string {
  const names = [
    profile.node && (profile.node.lockFile ? `package.json + ${profile.node.lockFile}` : 'package.json'),
    profile.go && 'go.mod',
    profile.python && (profile.python.pyproject ? 'pyproject.toml' : 'requirements.txt'),
    profile.container && profile.container.dockerfile,
  ].filter((name): name is string => Boolean(name));
  return names.length > 0 ? ` (${names.join(', ')})` : ' (nothing it knows: a placeholder job)';
}

function nodeJobs(node: NodeProject): StarterJob[] {
  const pm = nodeCommands(node);
  const base = [
    `    image: ${pm.image}`,
    '    cache:',
    `      key: ${pm.cacheName}-\${{ hashFiles('${node.lockFile ?? 'package.json'}') }}`,
    `      restoreKeys: [${pm.cacheName}-]`,
    `      paths: [${pm.cacheDir}]`,
    '    steps:',
    `      - run: ${pm.install}`,
  ];
  const stageOf = { lint: 'check', typecheck: 'check', build: 'build', test: 'test' } as const;
  const scripts = node.scripts.length > 0 ? node.scripts : (['install'] as const);
  return scripts.map((script, index) => ({
    id: script,
    stage: script === 'install' ? 'build' : stageOf[script],
    lines: [
      ...(index === 0 && pm.image === localNodeImage
        ? [`    # ${localNodeImage} is Ferry's local Node image (scripts/build-images.sh); elsewhere use node:20`]
        : []),
      ...base,
      ...(script === 'install' ? [] : [`      - run: ${pm.run} ${script}`]),
    ],
  }));
}

function nodeCommands(node: NodeProject) {
  switch (node.manager) {
    case 'yarn':
      return {
        image: 'node:20',
        cacheName: 'yarn',
        cacheDir: '.yarn-cache',
        install: 'yarn install --frozen-lockfile --cache-folder .yarn-cache',
        run: 'yarn',
      };
    case 'pnpm':
      return {
        image: 'node:20',
        cacheName: 'pnpm',
        cacheDir: '.pnpm-store',
        install: 'corepack enable pnpm && pnpm install --frozen-lockfile --store-dir .pnpm-store',
        run: 'pnpm run',
      };
    case 'npm':
      return {
        image: localNodeImage,
        cacheName: 'npm',
        cacheDir: '.npm',
        install: `${node.lockFile ? 'npm ci' : 'npm install'} --cache .npm --prefer-offline --no-audit --no-fund`,
        run: 'npm run',
      };
  }
}

function goJob(version: string, hasSum: boolean): StarterJob {
  return {
    id: 'go',
    stage: 'test',
    lines: [
      `    image: golang:${version}`,
      '    env: { GOMODCACHE: /workspace/.cache/go-mod, GOCACHE: /workspace/.cache/go-build }',
      '    cache:',
      `      key: go-\${{ hashFiles('${hasSum ? 'go.sum' : 'go.mod'}') }}`,
      '      restoreKeys: [go-]',
      '      paths: [.cache/go-mod, .cache/go-build]',
      '    steps:',
      '      - run: go vet ./...',
      '      - run: go build ./...',
      '      - run: go test ./...',
    ],
  };
}

function pythonJob(python: PythonProject): StarterJob {
  const install = python.requirements
    ? `pip install -r ${python.requirements}${python.pyproject ? ' && pip install .' : ''}`
    : 'pip install .';
  return {
    id: 'python',
    stage: 'test',
    lines: [
      '    image: python:3.12',
      '    env: { PIP_CACHE_DIR: /workspace/.cache/pip }',
      '    cache:',
      `      key: pip-\${{ hashFiles('${python.requirements ?? 'pyproject.toml'}') }}`,
      '      restoreKeys: [pip-]',
      '      paths: [.cache/pip]',
      '    steps:',
      `      - run: ${install}`,
      `      - run: ${python.pytest ? 'python -m pytest' : 'python -m compileall -q .'}`,
    ],
  };
}
