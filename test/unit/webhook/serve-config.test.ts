import { describe, expect, it } from 'vitest';
import { parseServeConfig } from '../../../packages/runner/src/serve/load-serve-config.js';
import { resolveServeConfig } from '../../../packages/runner/src/serve/resolve-serve-config.js';
import { isFerryError as isWebhookError } from '@ferry/engine';

function problemOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseServeConfig(text, 'serve.yml', env);
  } catch (error) {
    if (isWebhookError(error)) return error.message;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

const example = `# ferry serve
port: 9090
bodyLimit: 10mb
labels: [docker]
api:
  tokenEnv: SHOP_API_TOKEN
forges:
  github: { secretEnv: GH_SECRET }
repositories:
  - forge: github
    name: acme/shop
    secret: shop-secret
    clone: file:///srv/git/shop.git
    pipeline: ci/ferry.yml
    labels: [docker, linux]
  - name: acme/docs
`;

describe('the ferry serve config file', () => {
  it('reads repositories, forges and the API token, resolving secretEnv from the environment', () => {
    const loaded = parseServeConfig(example, 'serve.yml', { GH_SECRET: 'gh', SHOP_API_TOKEN: 'tok' });
    expect(loaded.defaultSecrets).toEqual({ github: 'gh' });
    expect(loaded.apiTokens.map((token) => [token.name, [...token.scopes]])).toEqual([['api.token', ['admin']]]);
    expect(loaded.repositories).toEqual([
      {
        forge: 'github',
        name: 'acme/shop',
        secret: 'shop-secret',
        clone: 'file:///srv/git/shop.git',
        pipeline: 'ci/ferry.yml',
        labels: ['docker', 'linux'],
      },
      { name: 'acme/docs' },
    ]);
  });

  it('reads images from the file and lets --image win over them', () => {
    const loaded = parseServeConfig(
      'images:\n  node: ferry/node:20\n  go: golang:1.22\nrepositories:\n  - name: acme/shop\n    images: { python: local/python:3.12 }\n',
      'serve.yml',
      {},
    );
    expect(loaded.repositories).toEqual([{ name: 'acme/shop', images: { python: 'local/python:3.12' } }]);
    const resolved = resolveServeConfig({ image: ['go=local/go:1.22'] }, loaded, {});
    expect(resolved.settings.images).toEqual({ node: 'ferry/node:20', go: 'local/go:1.22' });
    expect(resolveServeConfig({}, undefined, {}).settings).not.toHaveProperty('images');
    expect(() => resolveServeConfig({ image: ['node'] }, undefined, {})).toThrow(
      '--image "node": expected tool=image, like node=ferry/node:20',
    );
  });

  it('names the file, line, column and field of a wrong value', () => {
    const text = 'repositories:\n  - forge: bitbucket\n    name: acme/shop\n';
    expect(problemOf(text)).toMatch(/^serve\.yml:2:12 SERVE_CONFIG_INVALID repositories\[0\]\.forge: /);
  });

  it('names an unknown field at its key', () => {
    expect(problemOf('port: 80\nrepositories:\n  - name: a/b\n    secrte: x\n')).toBe(
      'serve.yml:4:5 SERVE_CONFIG_INVALID repositories[0].secrte: unknown field (see docs/webhooks.md)',
    );
  });

  it('names a missing field at the mapping that lacks it', () => {
    expect(problemOf('repositories:\n  - forge: github\n')).toMatch(
      /^serve\.yml:2:5 SERVE_CONFIG_INVALID repositories\[0\]\.name: /,
    );
  });

  it('points at a YAML syntax error', () => {
    expect(problemOf('port: 80\nrepositories: [\n')).toMatch(/^serve\.yml:\d+:\d+ SERVE_CONFIG_INVALID /);
  });

  it('reports an unset secretEnv without any secret in the message', () => {
    expect(problemOf(example, { SHOP_API_TOKEN: 'tok' })).toBe(
      'serve.yml:8:24 SERVE_CONFIG_INVALID forges.github.secretEnv: $GH_SECRET is not set (or is empty)',
    );
  });

  it('refuses a repository configured twice', () => {
    expect(problemOf('repositories:\n  - { name: acme/shop }\n  - { name: ACME/shop }\n')).toContain(
      'serve.yml:3:13 SERVE_CONFIG_INVALID repositories[1].name: "ACME/shop" is already configured at repositories[0]',
    );
  });

  it('takes an empty file as no configuration', () => {
    expect(parseServeConfig('', 'serve.yml', {}).repositories).toEqual([]);
  });
});

describe('api tokens in the config file', () => {
  const hash = `sha256:${'ab'.repeat(32)}`;

  it('reads scoped tokens by hash or from a variable, and public reads', () => {
    const loaded = parseServeConfig(
      `api:\n  publicReads: true\n  tokens:\n    - { name: ci, hash: '${hash}', scopes: [read, trigger] }\n    - { name: ops, tokenEnv: OPS, scopes: [admin] }\n`,
      'serve.yml',
      { OPS: 'ops-token' },
    );
    expect(loaded.file.api?.publicReads).toBe(true);
    expect(loaded.apiTokens.map((token) => [token.name, [...token.scopes], token.digest.length])).toEqual([
      ['ci', ['read', 'trigger'], 32],
      ['ops', ['admin'], 32],
    ]);
  });

  it('names the line and field of a bad token entry', () => {
    expect(problemOf(`api:\n  tokens:\n    - { name: ci, hash: 'abc', scopes: [read] }\n`)).toMatch(
      /^serve\.yml:3:25 SERVE_CONFIG_INVALID api\.tokens\[0\]\.hash: expected sha256:<64 hex digits>/,
    );
    expect(problemOf(`api:\n  tokens:\n    - { name: ci, hash: '${hash}', scopes: [write] }\n`)).toContain(
      'api.tokens[0].scopes[0]',
    );
    expect(problemOf(`api:\n  tokens:\n    - { name: ci, scopes: [read] }\n`)).toContain(
      'api.tokens[0]: expected hash (ferry serve hash-token) or tokenEnv',
    );
    expect(
      problemOf(
        `api:\n  tokens:\n    - { name: ci, hash: '${hash}', scopes: [read] }\n    - { name: ci, hash: '${hash}', scopes: [read] }\n`,
      ),
    ).toContain('api.tokens[1].name: "ci" is already the name of a token');
    expect(problemOf('api:\n  protect: writes\n')).toBe(
      'serve.yml:2:3 SERVE_CONFIG_INVALID api.protect: was replaced: reads need a token with the read scope unless you set publicReads: true (see docs/webhooks.md)',
    );
  });
});

describe('resolveServeConfig', () => {
  it('lets flags win over environment variables, and those over the file', () => {
    const loaded = parseServeConfig(example, 'serve.yml', { GH_SECRET: 'from-file', SHOP_API_TOKEN: 'tok' });
    const env = { FERRY_GITHUB_SECRET: 'from-env', FERRY_GITEA_SECRET: 'gitea-env', FERRY_REDIS_URL: 'redis://r:1/2' };
    const resolved = resolveServeConfig({ gitlabToken: 'from-flag', githubSecret: 'gh-flag' }, loaded, env);
    expect(resolved.settings.defaultSecrets).toEqual({ github: 'gh-flag', gitlab: 'from-flag', gitea: 'gitea-env' });
    expect(resolved).toMatchObject({
      port: 9090,
      bodyLimit: 10 * 1024 * 1024,
      redisUrl: 'redis://r:1/2',
      host: '127.0.0.1',
      api: { publicReads: false },
    });
    expect(resolved.api.tokens.map((token) => token.name)).toEqual(['api.token']);
    expect(resolved.settings.labels).toEqual(['docker']);
  });

  it('defaults to 25 MB, port 8080, no secrets', () => {
    const resolved = resolveServeConfig({}, undefined, {});
    expect(resolved).toMatchObject({
      port: 8080,
      bodyLimit: 25 * 1024 * 1024,
      settings: { defaultSecrets: {}, repositories: [], labels: [] },
      api: { publicReads: false, tokens: [] },
    });
  });

  it('adds --api-token or $FERRY_API_TOKEN to the tokens of the file, with every scope; --public-reads opens reads', () => {
    const loaded = parseServeConfig(example, 'serve.yml', { GH_SECRET: 'gh', SHOP_API_TOKEN: 'tok' });
    const flagged = resolveServeConfig({ apiToken: 'f', publicReads: true }, loaded, { FERRY_API_TOKEN: 'e' });
    expect(flagged.api.tokens.map((token) => token.name)).toEqual(['api.token', '--api-token']);
    expect(flagged.api.publicReads).toBe(true);
    const fromEnv = resolveServeConfig({}, undefined, { FERRY_API_TOKEN: 'e' });
    expect(fromEnv.api.tokens.map((token) => [token.name, [...token.scopes]])).toEqual([
      ['$FERRY_API_TOKEN', ['admin']],
    ]);
  });

  it('gives git 8 s by default and the transports https, http, ssh, git; the file can allow file and set the timeout', () => {
    const plain = resolveServeConfig({}, undefined, {});
    expect(plain.gitTimeoutMs).toBe(8000);
    expect(plain.settings.cloneTransports).toEqual(['https', 'http', 'ssh', 'git']);
    const loaded = parseServeConfig('git:\n  transports: [file]\n  timeout: 30s\n', 'serve.yml', {});
    const configured = resolveServeConfig({}, loaded, {});
    expect(configured.gitTimeoutMs).toBe(30_000);
    expect(configured.settings.cloneTransports).toContain('file');
    expect(problemOf('git:\n  transports: [ext]\n')).toContain('serve.yml:2:16 SERVE_CONFIG_INVALID git.transports[0]');
  });

  it("refuses malformed flags with the flag's name", () => {
    expect(() => resolveServeConfig({ port: 'eighty' }, undefined, {})).toThrow('--port "eighty"');
    expect(() => resolveServeConfig({ bodyLimit: 'lots' }, undefined, {})).toThrow('--body-limit "lots"');
    expect(() => resolveServeConfig({ labels: 'Docker,no way' }, undefined, {})).toThrow('--labels: "no way"');
  });
});
