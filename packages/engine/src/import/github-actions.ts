import { textOf } from './text-of.js';
import { rewriteCondition, rewriteText, type ExpressionScope } from './github-expressions.js';
import { translateEnv } from './github-env.js';
import { addCache, inputLines, type StepContext } from './job-draft.js';
import { readSource, type Source, type SourcePath } from './read-source.js';
import type { SourceReader } from './import-types.js';
import { nodeRuntimes, translateJsAction, type JsActionManifest } from './github-js-action.js';
import { actionsTarget } from '../plan/plan-types.js';

type Step = Record<string, unknown>;
export type TranslateSteps = (steps: unknown[], path: SourcePath, ctx: StepContext) => void;

/** Cache directories inside the workspace (Ferry caches and artifacts are workspace paths), by tool. */
const cacheDir = '.ferry-cache';
const workspace = '/workspace';

/** Actions that only report, annotate or talk to GitHub: nothing to run without GitHub. */
const githubOnly =
  /^(actions\/(github-script|labeler|stale|first-interaction|dependency-review-action|create-release|upload-pages-artifact|deploy-pages|configure-pages|attest-build-provenance|upload-release-asset)|github\/codeql-action\/.*|codecov\/codecov-action|coverallsapp\/github-action|softprops\/action-gh-release|peter-evans\/.*|dorny\/paths-filter|tj-actions\/changed-files)$/;

/** The actions `translateUses` has a recipe for (its cases): a vendored copy of one of them is not run. */
const recipes = new Set(
  'actions/checkout actions/setup-node actions/setup-go actions/setup-python actions/setup-java astral-sh/setup-uv pnpm/action-setup dtolnay/rust-toolchain actions-rs/toolchain swatinem/rust-cache actions/cache actions/cache/restore actions/cache/save actions/upload-artifact actions/download-artifact codecov/codecov-action coverallsapp/github-action shogo82148/actions-goveralls goreleaser/goreleaser-action dominikh/staticcheck-action embarkstudios/cargo-deny-action crate-ci/typos andrewslotin/go-proxy-pull-action golangci/golangci-lint-action taiki-e/install-action taiki-e/cache-cargo-install-action pre-commit/action ruby/setup-ruby denoland/setup-deno oven-sh/setup-bun graalvm/setup-graalvm step-security/harden-runner docker/setup-buildx-action docker/setup-qemu-action docker/login-action docker/metadata-action docker/build-push-action'.split(
    ' ',
  ),
);

/** Translates one `uses:` step into job settings and steps of `ctx.job`. */
export function translateUses(step: Step, path: SourcePath, ctx: StepContext, translateSteps: TranslateSteps): void {
  const uses = textOf(step.uses).trim();
  const at = [...path, 'uses'];
  const withInputs = rewriteInputs(step.with, ctx.scope);
  const [name = '', ref = ''] = uses.split('@');
  const action = name.toLowerCase();
  if (uses.startsWith('./')) return inlineLocalAction(uses, step, path, withInputs, ctx, translateSteps);
  if (uses.startsWith('docker://')) {
    ctx.report.add(
      'dropped',
      ctx.source,
      at,
      `${uses}: running a container image as a step has no recipe; do it in a job with that image`,
    );
    return;
  }
  const vendored = uses.includes('@') ? findVendored(name, ref, ctx) : [];
  if (!Array.isArray(vendored) && !recipes.has(action)) {
    const repository = name.split('/').slice(0, 2).join('/');
    return runActionAt(uses, vendored, { repository, ref }, step, path, withInputs, ctx, translateSteps);
  }
  if (step.if !== undefined && !['actions/upload-artifact', 'actions/download-artifact'].includes(action)) {
    ctx.report.add(
      'approximated',
      ctx.source,
      [...path, 'if'],
      `the condition of ${name} is not kept: what it sets up becomes job settings`,
    );
  }
  switch (action) {
    case 'actions/checkout':
      return checkout(withInputs, at, ctx);
    case 'actions/setup-node':
      return setupNode(withInputs, at, ctx);
    case 'actions/setup-go':
      return setupGo(withInputs, at, ctx);
    case 'actions/setup-python':
      return setupPython(withInputs, at, ctx);
    case 'actions/setup-java':
      return setupJava(withInputs, at, ctx);
    case 'astral-sh/setup-uv':
      return setupUv(withInputs, at, ctx);
    case 'pnpm/action-setup':
      return setupPnpm(withInputs, at, ctx);
    case 'dtolnay/rust-toolchain':
    case 'actions-rs/toolchain':
      return setupRust(withInputs, ref, at, ctx);
    case 'swatinem/rust-cache':
      addCache(ctx, at, "rust-${{ hashFiles('**/Cargo.lock') }}", ['target'], ['rust-']);
      ctx.report.add(
        'approximated',
        ctx.source,
        at,
        'Swatinem/rust-cache: only target/ is cached (the registry lives outside the workspace)',
      );
      return;
    case 'actions/cache':
    case 'actions/cache/restore':
    case 'actions/cache/save':
      return cache(withInputs, step, at, ctx);
    case 'actions/upload-artifact':
      return uploadArtifact(withInputs, step, at, ctx);
    case 'actions/download-artifact':
      return downloadArtifact(withInputs, at, ctx);
    case 'codecov/codecov-action': {
      const files = inputLines(textOf(withInputs.files ?? withInputs.file ?? '').replaceAll(',', '\n'));
      const failing = withInputs.fail_ci_if_error === true || withInputs.fail_ci_if_error === 'true';
      const run = `curl -fsSLo codecov https://cli.codecov.io/latest/linux/codecov && chmod +x codecov\n./codecov upload-process${files.map((file) => ` -f ${file}`).join('')}${withInputs.flags ? ` -F ${textOf(withInputs.flags)}` : ''} -t "$CODECOV_TOKEN"`;
      return recipeStep(
        step,
        run,
        ctx,
        at,
        'codecov/codecov-action: the Codecov CLI uploads the report (it reads CODECOV_TOKEN from the environment)',
        !failing,
      );
    }
    case 'coverallsapp/github-action':
      return recipeStep(
        step,
        `curl -fsSL https://coveralls.io/coveralls-linux.tar.gz | tar -xz\n./coveralls ${withInputs['parallel-finished'] === true || withInputs['parallel-finished'] === 'true' ? 'done' : `report${withInputs.file ? ` ${textOf(withInputs.file)}` : ''}`}`,
        ctx,
        at,
        'coverallsapp/github-action: the Coveralls CLI uploads the report (it reads COVERALLS_REPO_TOKEN from the environment)',
        true,
      );
    case 'shogo82148/actions-goveralls':
      return recipeStep(
        step,
        withInputs['parallel-finished'] === true || withInputs['parallel-finished'] === 'true'
          ? 'go run github.com/mattn/goveralls@latest -parallel-finish'
          : `go run github.com/mattn/goveralls@latest${withInputs['path-to-profile'] ? ` -coverprofile=${textOf(withInputs['path-to-profile'])}` : ''}${withInputs.parallel === true || withInputs.parallel === 'true' ? ' -parallel' : ''}`,
        ctx,
        at,
        'actions-goveralls: goveralls uploads the coverage (it reads COVERALLS_TOKEN from the environment)',
        true,
      );
    case 'goreleaser/goreleaser-action': {
      const version = str(withInputs.version) ?? 'latest';
      const major = /^v?[01]\./.test(version) ? '' : '/v2';
      return recipeStep(
        step,
        `go run github.com/goreleaser/goreleaser${major}@${version === '~> v2' ? 'latest' : version} ${textOf(withInputs.args ?? '')}`.trim(),
        ctx,
        at,
        `goreleaser-action: goreleaser ${version} is built and run with go run`,
      );
    }
    case 'dominikh/staticcheck-action':
      return recipeStep(
        step,
        `go run honnef.co/go/tools/cmd/staticcheck@${str(withInputs.version) ?? 'latest'} ${textOf(withInputs['working-directory'] ?? './...') === '.' ? './...' : './...'}`,
        ctx,
        at,
        'staticcheck-action: staticcheck is built and run with go run',
      );
    case 'embarkstudios/cargo-deny-action':
      return recipeStep(
        step,
        `cargo install --locked cargo-deny\ncargo deny ${textOf(withInputs.arguments ?? '')} ${textOf(withInputs.command ?? 'check')} ${textOf(withInputs['command-arguments'] ?? '')}`
          .replace(/ +/g, ' ')
          .trim(),
        ctx,
        at,
        'cargo-deny-action: cargo-deny is installed with cargo install and run',
      );
    case 'crate-ci/typos':
      return recipeStep(
        step,
        `cargo install --locked typos-cli\ntypos ${textOf(withInputs.files ?? '')}`.trim(),
        ctx,
        at,
        'crate-ci/typos: typos is installed with cargo install and run',
      );
    case 'andrewslotin/go-proxy-pull-action':
      return recipeStep(
        step,
        'GOPROXY=https://proxy.golang.org go list -m "$(go list -m)@${GITHUB_REF_NAME}"',
        ctx,
        at,
        'go-proxy-pull-action: go list asks proxy.golang.org for the tagged version, as the action does',
      );
    case 'golangci/golangci-lint-action':
      return golangciLint(withInputs, step, at, ctx);
    case 'taiki-e/install-action':
    case 'taiki-e/cache-cargo-install-action': {
      const tools = inputLines(textOf(withInputs.tool ?? ref).replaceAll(',', '\n')).map((tool) =>
        tool.replace('@', ' --version '),
      );
      ctx.job.hasWork = true;
      ctx.job.steps.push({
        name: `install ${tools.join(', ')}`,
        run: tools.map((tool) => `cargo install --locked ${tool}`).join('\n'),
      });
      ctx.report.add(
        'approximated',
        ctx.source,
        at,
        `${name}: the tools are built with cargo install (the action downloads binaries)`,
      );
      return;
    }
    case 'pre-commit/action':
      ctx.job.hasWork = true;
      ctx.job.steps.push({
        name: 'pre-commit',
        run: `python -m pip install pre-commit\npre-commit run --show-diff-on-failure --color=always ${textOf(withInputs.extra_args ?? '--all-files')}`,
      });
      ctx.report.add(
        'approximated',
        ctx.source,
        at,
        'pre-commit/action: pre-commit is installed with pip and run (the action also caches its environments)',
      );
      return;
    case 'ruby/setup-ruby':
      addTool(ctx, at, 'ruby', str(withInputs['ruby-version']));
      if (withInputs['bundler-cache'] === true || withInputs['bundler-cache'] === 'true') {
        ctx.job.env.BUNDLE_PATH = `${workspace}/${cacheDir}/bundle`;
        addCache(ctx, at, "bundle-${{ hashFiles('**/Gemfile.lock') }}", [`${cacheDir}/bundle`], ['bundle-']);
        ctx.job.steps.push({ name: 'bundle install', run: 'bundle install' });
      }
      return;
    case 'denoland/setup-deno':
      addTool(ctx, at, 'deno', str(withInputs['deno-version']));
      return;
    case 'oven-sh/setup-bun':
      addTool(ctx, at, 'bun', str(withInputs['bun-version']));
      return;
    case 'graalvm/setup-graalvm':
      addTool(ctx, at, 'graalvm', str(withInputs['java-version']));
      return;
    case 'step-security/harden-runner':
      ctx.report.add('changed', ctx.source, at, `${name}: not needed, it hardens GitHub's runner VM`);
      return;
    case 'docker/setup-buildx-action':
    case 'docker/setup-qemu-action':
      ctx.report.add('changed', ctx.source, at, `${name}: not needed, Ferry builds with the engine's builder`);
      return;
    case 'docker/login-action':
      ctx.report.add(
        'approximated',
        ctx.source,
        at,
        'docker/login-action: Ferry pushes with the REGISTRY_USER/REGISTRY_PASSWORD secrets or the Docker config',
      );
      return;
    case 'docker/metadata-action':
      ctx.job.docker = { ...ctx.job.docker, images: inputLines(withInputs.images) };
      return;
    case 'docker/build-push-action':
      ctx.job.docker = { ...ctx.job.docker, build: withInputs, buildPath: at };
      return;
    default:
      ctx.job.hasWork = true;
      ctx.report.add(
        'dropped',
        ctx.source,
        at,
        githubOnly.test(action)
          ? `${name} works with GitHub's API or services; it has no meaning in Ferry and is dropped`
          : `${name} has no Ferry recipe and its code is not vendored in ${vendoredDirs(name, ref)[1] ?? vendorDir}[@${ref}]${Array.isArray(vendored) && vendored.length > 2 ? ' or the actions directory' : ''}; it is dropped (vendor it there, or run what it does in a run: step)`,
      );
  }
}

function rewriteInputs(value: unknown, scope: ExpressionScope): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).map(([key, input]) => [key, typeof input === 'string' ? rewriteText(input, scope) : input]),
  );
}

function str(value: unknown): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : textOf(value);
}

function checkout(inputs: Record<string, unknown>, at: SourcePath, ctx: StepContext): void {
  const job = ctx.job;
  const repository = str(inputs.repository);
  if (repository !== undefined && repository.includes('${{')) {
    ctx.report.add('approximated', ctx.source, at, `checkout's repository: ${repository} is taken as this repository`);
  } else if (repository !== undefined) {
    ctx.report.add(
      'dropped',
      ctx.source,
      at,
      `checkout of another repository (${repository}) is dropped; clone it in a run: step`,
    );
    return;
  }
  if (job.sawCheckout) {
    ctx.report.add(
      'approximated',
      ctx.source,
      at,
      'a second checkout of the repository is ignored (the workspace already holds it)',
    );
    return;
  }
  job.sawCheckout = true;
  const depth = Number(inputs['fetch-depth'] ?? 1);
  const tags = inputs['fetch-tags'] === true || inputs['fetch-tags'] === 'true';
  job.checkout = depth === 1 && !tags ? true : { depth: Number.isFinite(depth) ? depth : 1, ...(tags ? { tags } : {}) };
  for (const key of ['submodules', 'path', 'ref', 'lfs', 'sparse-checkout']) {
    if (inputs[key] !== undefined && inputs[key] !== false && inputs[key] !== 'false') {
      ctx.report.add(
        'approximated',
        ctx.source,
        at,
        `checkout's ${key}: ${textOf(inputs[key])} is not supported: the run's commit is checked out into the workdir${key === 'submodules' ? ', without submodules (run git submodule update --init in a step)' : ''}`,
      );
    }
  }
}

function addTool(ctx: StepContext, at: SourcePath, tool: string, given: string | undefined): void {
  let version = given;
  if (version?.includes('steps.') === true || version?.includes('jobs.') === true) {
    ctx.report.add(
      'approximated',
      ctx.source,
      at,
      `${tool} version ${version} is known only at run time; the image is picked for the default version`,
    );
    version = undefined;
  }
  ctx.job.tools.push({ tool, version, source: ctx.source, path: at });
}

function versionFile(ctx: StepContext, at: SourcePath, file: string, pattern?: RegExp): string | undefined {
  const text = ctx.reader.read(file.replace(/^\.\//, ''));
  if (text === undefined) {
    ctx.report.add(
      'approximated',
      ctx.source,
      at,
      `${file} is not in the repository; the tool's default version is used`,
    );
    return undefined;
  }
  if (pattern) return pattern.exec(text)?.[1];
  if (file.endsWith('package.json')) {
    try {
      const json = JSON.parse(text) as { volta?: { node?: string }; engines?: { node?: string } };
      return json.volta?.node ?? json.engines?.node;
    } catch {
      return undefined;
    }
  }
  return text.split('\n')[0]?.trim();
}

function setupNode(inputs: Record<string, unknown>, at: SourcePath, ctx: StepContext): void {
  const file = str(inputs['node-version-file']);
  const version = str(inputs['node-version']) ?? (file ? versionFile(ctx, at, file) : undefined);
  addTool(ctx, at, 'node', version);
  const manager = str(inputs.cache);
  if (manager === undefined) return;
  const lockfiles: Record<string, string> = {
    npm: '**/package-lock.json',
    yarn: '**/yarn.lock',
    pnpm: '**/pnpm-lock.yaml',
  };
  const envs: Record<string, string> = {
    npm: 'npm_config_cache',
    yarn: 'YARN_CACHE_FOLDER',
    pnpm: 'npm_config_store_dir',
  };
  const lock = inputLines(inputs['cache-dependency-path']).join("', '") || lockfiles[manager] || '**/package-lock.json';
  const dir = `${cacheDir}/${manager}`;
  ctx.job.env[envs[manager] ?? 'npm_config_cache'] = `${workspace}/${dir}`;
  addCache(ctx, at, `${manager}-\${{ hashFiles('${lock}') }}`, [dir], [`${manager}-`]);
}

function setupGo(inputs: Record<string, unknown>, at: SourcePath, ctx: StepContext): void {
  const file = str(inputs['go-version-file']);
  const version =
    str(inputs['go-version']) ??
    (file
      ? versionFile(ctx, at, file, file.endsWith('go.mod') ? /^(?:toolchain go|go )([\d.]+)/m : undefined)
      : undefined);
  addTool(ctx, at, 'go', version);
  if (inputs.cache === false || inputs.cache === 'false') return;
  const sums = inputLines(inputs['cache-dependency-path']).join("', '") || '**/go.sum';
  ctx.job.env.GOMODCACHE = `${workspace}/${cacheDir}/go/mod`;
  ctx.job.env.GOCACHE = `${workspace}/${cacheDir}/go/build`;
  addCache(ctx, at, `go-\${{ hashFiles('${sums}') }}`, [`${cacheDir}/go`], ['go-']);
}

function setupPython(inputs: Record<string, unknown>, at: SourcePath, ctx: StepContext): void {
  const file = str(inputs['python-version-file']);
  const versions = inputLines(inputs['python-version']);
  if (versions.length > 1)
    ctx.report.add(
      'approximated',
      ctx.source,
      at,
      `several Python versions (${versions.join(', ')}): the image has ${versions[0]} only`,
    );
  let version =
    versions[0] ??
    (file
      ? versionFile(ctx, at, file, file.endsWith('.toml') ? /requires-python\s*=\s*["'][^\d]*([\d.]+)/ : undefined)
      : undefined);
  let tool = 'python';
  if (version?.startsWith('pypy')) {
    tool = 'pypy';
    version = version.slice(4).replace(/^-/, '');
  }
  addTool(ctx, at, tool, version);
  const manager = str(inputs.cache);
  if (manager === undefined) return;
  const envs: Record<string, string> = { pip: 'PIP_CACHE_DIR', poetry: 'POETRY_CACHE_DIR', pipenv: 'PIPENV_CACHE_DIR' };
  const dir = `${cacheDir}/${manager}`;
  ctx.job.env[envs[manager] ?? 'PIP_CACHE_DIR'] = `${workspace}/${dir}`;
  const deps = inputLines(inputs['cache-dependency-path']).join("', '") || '**/requirements*.txt';
  addCache(ctx, at, `${manager}-\${{ hashFiles('${deps}') }}`, [dir], [`${manager}-`]);
}

function setupJava(inputs: Record<string, unknown>, at: SourcePath, ctx: StepContext): void {
  const file = str(inputs['java-version-file']);
  const version = str(inputs['java-version']) ?? (file ? versionFile(ctx, at, file, /(\d+)/) : undefined);
  const distribution = str(inputs.distribution) ?? 'temurin';
  if (!['temurin', 'adopt', 'adopt-hotspot'].includes(distribution)) {
    ctx.report.add('approximated', ctx.source, at, `Java distribution ${distribution}: the image is Eclipse Temurin`);
  }
  addTool(ctx, at, 'java', version);
  const manager = str(inputs.cache);
  if (manager === 'maven') {
    ctx.job.env.MAVEN_OPTS = `-Dmaven.repo.local=${workspace}/${cacheDir}/maven`;
    addCache(ctx, at, "maven-${{ hashFiles('**/pom.xml') }}", [`${cacheDir}/maven`], ['maven-']);
  } else if (manager === 'gradle') {
    ctx.job.env.GRADLE_USER_HOME = `${workspace}/${cacheDir}/gradle`;
    addCache(
      ctx,
      at,
      "gradle-${{ hashFiles('**/*.gradle*', '**/gradle-wrapper.properties') }}",
      [`${cacheDir}/gradle`],
      ['gradle-'],
    );
  } else if (manager !== undefined) {
    ctx.report.add('approximated', ctx.source, at, `setup-java cache: ${manager} is not carried over`);
  }
}

function setupUv(inputs: Record<string, unknown>, at: SourcePath, ctx: StepContext): void {
  const python = str(inputs['python-version']) ?? ctx.job.tools.find((entry) => entry.tool === 'python')?.version;
  ctx.job.tools = ctx.job.tools.filter((entry) => entry.tool !== 'python');
  ctx.job.tools.unshift({ tool: 'uv', version: python, source: ctx.source, path: at });
  if (inputs['enable-cache'] === true || inputs['enable-cache'] === 'true') {
    ctx.job.env.UV_CACHE_DIR = `${workspace}/${cacheDir}/uv`;
    const deps = inputLines(inputs['cache-dependency-glob']).join("', '") || '**/uv.lock';
    addCache(ctx, at, `uv-\${{ hashFiles('${deps}') }}`, [`${cacheDir}/uv`], ['uv-']);
  }
}

function setupPnpm(inputs: Record<string, unknown>, at: SourcePath, ctx: StepContext): void {
  if (!ctx.job.tools.some((entry) => entry.tool === 'node')) addTool(ctx, at, 'node', undefined);
  const version = str(inputs.version);
  ctx.job.steps.push({
    name: 'pnpm (pnpm/action-setup)',
    // Without a version, the action (and corepack) use package.json's packageManager.
    run: version === undefined ? 'corepack enable' : `corepack enable && corepack prepare pnpm@${version} --activate`,
  });
  ctx.report.add(
    'approximated',
    ctx.source,
    at,
    `pnpm/action-setup: corepack installs pnpm${version ? ` ${version}` : ''} (it downloads pnpm unless the image has it)`,
  );
}

function setupRust(inputs: Record<string, unknown>, ref: string, at: SourcePath, ctx: StepContext): void {
  const toolchain = str(inputs.toolchain) ?? (/^(stable|beta|nightly|\d+\.\d+(\.\d+)?)/.test(ref) ? ref : 'stable');
  addTool(ctx, at, 'rust', toolchain);
  const components = inputLines(textOf(inputs.components ?? '').replaceAll(',', '\n'));
  const targets = inputLines(textOf(inputs.targets ?? inputs.target ?? '').replaceAll(',', '\n'));
  if (components.length > 0)
    ctx.job.steps.push({ name: 'rustup components', run: `rustup component add ${components.join(' ')}` });
  if (targets.length > 0) ctx.job.steps.push({ name: 'rustup targets', run: `rustup target add ${targets.join(' ')}` });
}

/**
 * A `run:` step that does what an action does, keeping the action step's name, id, if, env and continue-on-error.
 */
function recipeStep(
  step: Step,
  run: string,
  ctx: StepContext,
  at: SourcePath,
  note: string,
  allowFailure = false,
): void {
  const out: Step = { name: textOf(step.name ?? textOf(step.uses).split('@')[0] ?? ''), run };
  if (step.id !== undefined) out.id = textOf(step.id);
  if (step.if !== undefined) out.if = rewriteCondition(step.if, ctx.scope);
  const env = translateEnv(step.env, ctx.scope);
  if (env) out.env = env;
  if (step['working-directory'] !== undefined) out.workdir = textOf(step['working-directory']);
  if (allowFailure || step['continue-on-error'] === true || step['continue-on-error'] === 'true')
    out.allowFailure = true;
  ctx.job.hasWork = true;
  ctx.job.steps.push(out);
  ctx.report.add('approximated', ctx.source, at, note);
}

function golangciLint(inputs: Record<string, unknown>, step: Step, at: SourcePath, ctx: StepContext): void {
  const version = str(inputs.version) ?? 'latest';
  const major = /^v1\./.test(version) ? '' : '/v2';
  const out: Step = {
    name: textOf(step.name ?? 'golangci-lint'),
    run: `go run github.com/golangci/golangci-lint${major}/cmd/golangci-lint@${version} run ${textOf(inputs.args ?? '')}`.trim(),
  };
  if (inputs['working-directory'] !== undefined) out.workdir = textOf(inputs['working-directory']);
  ctx.job.hasWork = true;
  ctx.job.steps.push(out);
  ctx.report.add(
    'approximated',
    ctx.source,
    at,
    `golangci-lint-action: golangci-lint ${version} is built and run with go run (the action downloads a binary and annotates)`,
  );
}

/** Tool caches under the home directory, moved into the workspace by the variable that tools read. */
const homeCaches: Record<string, string> = {
  '~/.npm': 'npm_config_cache',
  '~/.cache/yarn': 'YARN_CACHE_FOLDER',
  '~/.pnpm-store': 'npm_config_store_dir',
  '~/.cache/pip': 'PIP_CACHE_DIR',
  '~/.cache/uv': 'UV_CACHE_DIR',
  '~/.cache/pre-commit': 'PRE_COMMIT_HOME',
  '~/go/pkg/mod': 'GOMODCACHE',
  '~/.cache/go-build': 'GOCACHE',
  '~/.gradle': 'GRADLE_USER_HOME',
  '~/.gradle/caches': 'GRADLE_USER_HOME',
  '~/.cache/puppeteer': 'PUPPETEER_CACHE_DIR',
  '~/.cache/ms-playwright': 'PLAYWRIGHT_BROWSERS_PATH',
  '~/.cache/Cypress': 'CYPRESS_CACHE_FOLDER',
};

/** Workspace-relative paths kept; `~/…` and absolute ones cannot be cached or saved by Ferry. */
function workspacePaths(given: string[], what: string, at: SourcePath, ctx: StepContext): string[] {
  const moved: string[] = [];
  const paths = given.map((path) => {
    const variable = what === 'cache' ? homeCaches[path.replace(/\/$/, '')] : undefined;
    if (variable === undefined) return path;
    const dir = `${cacheDir}/${variable.toLowerCase()}`;
    ctx.job.env[variable] = `${workspace}/${dir}`;
    moved.push(`${path} (${variable})`);
    return dir;
  });
  if (moved.length > 0)
    ctx.report.add(
      'changed',
      ctx.source,
      at,
      `cache: ${moved.join(', ')} moved into the workspace by its variable, as Ferry caches workspace paths`,
    );
  const kept = paths.filter(
    (path) => !path.startsWith('~') && !path.startsWith('/') && !path.startsWith('!') && !/^\$(?!\{\{)/.test(path),
  );
  const computed = kept.filter((path) => path.includes('${{'));
  if (computed.length > 0) {
    ctx.report.add(
      'approximated',
      ctx.source,
      at,
      `${what}: ${computed.join(', ')} ${computed.length === 1 ? 'is' : 'are'} computed; Ferry ${what === 'cache' ? 'caches' : 'saves'} ${computed.length === 1 ? 'it' : 'them'} only where the value is a workspace path`,
    );
  }
  const lost = paths.filter((path) => !kept.includes(path));
  if (lost.length > 0) {
    ctx.report.add(
      kept.length > 0 ? 'approximated' : 'dropped',
      ctx.source,
      at,
      `${what}: ${lost.join(', ')} ${lost.length === 1 ? 'is' : 'are'} outside the workspace or an exclusion, which Ferry ${what === 'cache' ? 'caches' : 'saves'} only inside it`,
    );
  }
  return kept.map((path) => path.replace(/^\.\//, ''));
}

function cache(inputs: Record<string, unknown>, step: Step, at: SourcePath, ctx: StepContext): void {
  const paths = workspacePaths(inputLines(inputs.path), 'cache', at, ctx);
  if (step.id !== undefined) {
    ctx.report.add(
      'approximated',
      ctx.source,
      at,
      `steps.${textOf(step.id)}.outputs.cache-hit is not set: Ferry restores caches before the first step`,
    );
  }
  if (paths.length === 0 || inputs.key === undefined) return;
  addCache(ctx, at, textOf(inputs.key), paths, inputLines(inputs['restore-keys']));
}

function uploadArtifact(inputs: Record<string, unknown>, step: Step, at: SourcePath, ctx: StepContext): void {
  const paths = workspacePaths(inputLines(inputs.path), 'upload-artifact', at, ctx);
  if (paths.length === 0) return;
  const condition = textOf(step.if ?? '');
  const when = /always\(\)|cancelled\(\)/.test(condition)
    ? 'always'
    : /failure\(\)/.test(condition)
      ? 'on-failure'
      : undefined;
  const days = Number(inputs['retention-days']);
  const name = artifactName(str(inputs.name) ?? 'artifact', at, ctx);
  const previous = ctx.job.artifacts;
  if (previous && previous.name !== name && !previous.aliases.includes(name)) {
    ctx.report.add(
      'approximated',
      ctx.source,
      at,
      `Ferry keeps one artifact per job: the files of "${name}" are saved in "${previous.name}", and downloads of "${name}" read that one`,
    );
  }
  ctx.job.artifacts = {
    name: previous?.name ?? name,
    aliases: previous && previous.name !== name ? [...new Set([...previous.aliases, name])] : (previous?.aliases ?? []),
    paths: [...new Set([...(previous?.paths ?? []), ...paths])],
    ...((when ?? previous?.when) ? { when: (when ?? previous?.when) as 'always' | 'on-failure' } : {}),
    ...(Number.isFinite(days) && days > 0 ? { expireIn: `${days * 24}h` } : {}),
  };
}

/** `owner/repo/sub/dir` as its parts; `tail` is `/sub/dir`, or '' for an action at the repository's root. */
function actionName(name: string): { owner: string; repo: string; tail: string } {
  const [owner = '', repo = '', ...sub] = name.split('/');
  return { owner, repo, tail: sub.length > 0 ? `/${sub.join('/')}` : '' };
}

/** Where vendored copies of remote actions are looked for, relative to the repository root (docs/import.md). */
export const vendorDir = '.github/vendor-actions';

/** The directories (relative to the repository) a remote action's code may be vendored in, most specific first. */
export function vendoredDirs(name: string, ref: string): string[] {
  const { owner, repo, tail } = actionName(name);
  return [`${vendorDir}/${owner}/${repo}@${ref}${tail}`, `${vendorDir}/${owner}/${repo}${tail}`];
}

function actionFile(dir: string, reader: SourceReader): string | undefined {
  const prefix = dir === '' ? '' : `${dir}/`;
  return [`${prefix}action.yml`, `${prefix}action.yaml`].find((candidate) => reader.read(candidate) !== undefined);
}

interface FoundAction {
  /** Relative to the repository, or absolute in the container for the actions directory. */
  dir: string;
  file: string;
  reader: SourceReader;
  /** The directory of the actions directory the job must get (its `actions:`). */
  copy?: string;
}

/**
 * A remote action vendored in the repository, or else in the actions directory (`<owner>/<repo>@<ref>`, or act's
 * cache layout `<owner>-<repo>@<ref>`); otherwise where it was looked for.
 */
function findVendored(name: string, ref: string, ctx: StepContext): FoundAction | string[] {
  const dirs = vendoredDirs(name, ref);
  for (const dir of dirs) {
    const file = actionFile(dir, ctx.reader);
    if (file !== undefined) return { dir, file, reader: ctx.reader };
  }
  if (ctx.actions === undefined) return dirs;
  const { owner, repo, tail } = actionName(name);
  for (const top of [`${owner}/${repo}@${ref}`, `${owner}-${repo}@${ref}`]) {
    const file = actionFile(`${top}${tail}`, ctx.actions);
    if (file !== undefined) return { dir: `${actionsTarget}/${top}${tail}`, file, reader: ctx.actions, copy: top };
  }
  return [...dirs, `the actions directory (${owner}/${repo}@${ref})`];
}

/**
 * An artifact name Ferry can give when planning: parts read from step or job outputs (known only while running)
 * are left out, with a note.
 */
function artifactName(text: string, at: SourcePath, ctx: StepContext): string {
  const late: string[] = [];
  const name = text.replace(/\$\{\{([\s\S]*?)\}\}/g, (whole, inner: string) => {
    if (!/\b(steps|jobs|secrets)\./.test(inner)) return whole;
    late.push(whole);
    return '';
  });
  if (late.length > 0) {
    ctx.report.add(
      'approximated',
      ctx.source,
      at,
      `artifact name: ${late.join(', ')} ${late.length === 1 ? 'is' : 'are'} known only while running and left out (Ferry names artifacts when planning)`,
    );
  }
  return name.replace(/[-_. ]+$/, '') || 'artifact';
}

/** GitHub's download-artifact v4 inputs as a `download:` entry (the same name, pattern, path and merge semantics). */
function downloadArtifact(inputs: Record<string, unknown>, at: SourcePath, ctx: StepContext): void {
  for (const key of ['run-id', 'github-token', 'repository', 'artifact-ids']) {
    if (inputs[key] === undefined) continue;
    ctx.report.add(
      'dropped',
      ctx.source,
      at,
      `download-artifact: ${key} is dropped; Ferry downloads only artifacts of this run, by name or pattern`,
    );
  }
  const name = str(inputs.name);
  const pattern = str(inputs.pattern);
  const rawPath = str(inputs.path)
    ?.replaceAll("${{ '/workspace' }}", workspace)
    .replace(/^\/workspace(\/|$)/, '')
    .replace(/^\.\//, '');
  const merge = inputs['merge-multiple'] === true || inputs['merge-multiple'] === 'true';
  ctx.job.download = [
    ...(ctx.job.download ?? []),
    {
      ...(name !== undefined ? { name: artifactName(name, at, ctx) } : pattern !== undefined ? { pattern } : {}),
      ...(rawPath !== undefined && rawPath !== '' && rawPath !== '.' ? { path: rawPath } : {}),
      ...(merge && name === undefined ? { merge: true as const } : {}),
    },
  ];
  ctx.report.add(
    'changed',
    ctx.source,
    at,
    'download-artifact: Ferry restores the selected artifacts before the first step (download: of the job)',
  );
}

function inlineLocalAction(
  uses: string,
  step: Step,
  path: SourcePath,
  inputs: Record<string, unknown>,
  ctx: StepContext,
  translateSteps: TranslateSteps,
): void {
  const dir = uses.slice(2).replace(/\/$/, '');
  const file = actionFile(dir, ctx.reader);
  if (file === undefined) {
    ctx.job.hasWork = true;
    ctx.report.add('dropped', ctx.source, [...path, 'uses'], `${uses}: no action.yml in the repository`);
    return;
  }
  runActionAt(uses, { dir, file, reader: ctx.reader }, undefined, step, path, inputs, ctx, translateSteps);
}

/** Runs the action whose action.yml is `file` in `dir`: a composite one inlined, a JavaScript one with node. */
function runActionAt(
  uses: string,
  found: FoundAction,
  remote: { repository: string; ref: string } | undefined,
  step: Step,
  path: SourcePath,
  inputs: Record<string, unknown>,
  ctx: StepContext,
  translateSteps: TranslateSteps,
): void {
  const at = [...path, 'uses'];
  if (ctx.depth > 8) {
    ctx.job.hasWork = true;
    ctx.report.add('dropped', ctx.source, at, `${uses}: composite actions nest too deep`);
    return;
  }
  const { dir, file } = found;
  const source: Source = readSource(found.reader.read(file) ?? '', file);
  const action = source.data as {
    inputs?: Record<string, { default?: unknown }>;
    runs?: { using?: string; steps?: unknown[] };
  } | null;
  const using = textOf(action?.runs?.using ?? '');
  if (found.copy !== undefined && (using === 'composite' || nodeRuntimes.includes(using)))
    ctx.job.actions.add(found.copy);
  if (action?.runs && nodeRuntimes.includes(using)) {
    translateJsAction(
      { uses, dir, file: source, ...(remote ? { remote } : {}) },
      action as JsActionManifest,
      step,
      path,
      inputs,
      ctx,
    );
    return;
  }
  if (using !== 'composite' || !Array.isArray(action?.runs?.steps)) {
    ctx.job.hasWork = true;
    ctx.report.add(
      'dropped',
      ctx.source,
      at,
      using === 'docker'
        ? `${uses} is a Docker container action (${file}); Ferry does not build or run those as steps: run its image in a job of its own`
        : `${uses} is a ${using || 'unknown'} action (${file}); only composite and JavaScript (node) actions are run`,
    );
    return;
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) values[name] = spec?.default ?? '';
  Object.assign(values, inputs);
  const actionPath = dir.startsWith('/') ? dir : dir === '' ? '/workspace' : `/workspace/${dir}`;
  const scope: ExpressionScope = {
    ...ctx.scope,
    inputs: values,
    actionPath,
    note: (kind, message) => ctx.report.add(kind, source, [], message),
  };
  ctx.report.add(
    'changed',
    ctx.source,
    at,
    `${uses}: its steps are inlined from ${file}${step.name ? ` (${textOf(step.name)})` : ''}`,
  );
  translateSteps(action.runs.steps, ['runs', 'steps'], { ...ctx, source, scope, actionPath, depth: ctx.depth + 1 });
}
