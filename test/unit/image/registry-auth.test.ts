import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  findRegistryCredentials,
  parseDockerConfig,
  readDockerConfig,
} from '../../../packages/engine/src/image/registry-auth.js';
import { createTempDir } from '../../helpers/temp-git-repo.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('findRegistryCredentials', () => {
  const dockerConfig = parseDockerConfig(
    JSON.stringify({
      auths: {
        '127.0.0.1:5000': { auth: basic('ci', 'pa:ss') },
        'https://ghcr.io': { username: 'bot', password: 'tok' },
        'https://index.docker.io/v1/': { auth: basic('hub', 'hubpw') },
        'registry.example.com:8443/v2/': { identitytoken: 'refresh-token' },
        'broken.example.com': { auth: 'bm9jb2xvbg==' },
      },
      credHelpers: { 'aws.example.com': 'ecr-login' },
    }),
    'config.json',
  );
  const sources = { secrets: {}, dockerConfig, dockerConfigPath: '/home/ci/.docker/config.json' };

  it('prefers the job secrets FERRY_REGISTRY_USER and FERRY_REGISTRY_PASSWORD', () => {
    expect(
      findRegistryCredentials('127.0.0.1:5000', {
        ...sources,
        secrets: { FERRY_REGISTRY_USER: 'u', FERRY_REGISTRY_PASSWORD: 'p' },
      }),
    ).toEqual({
      source: 'secrets',
      auth: { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' },
    });
  });

  it('refuses half of the secrets', () => {
    expect(
      findRegistryCredentials('127.0.0.1:5000', {
        ...sources,
        secrets: { FERRY_REGISTRY_USER: 'u', FERRY_REGISTRY_PASSWORD: '' },
      }),
    ).toEqual({
      source: 'invalid',
      problem:
        "the secret FERRY_REGISTRY_USER is set but FERRY_REGISTRY_PASSWORD is not; a push needs both (declare both in the job's secrets)",
    });
  });

  it('decodes the base64 auth of the Docker config, matching keys with a scheme or a path', () => {
    expect(findRegistryCredentials('127.0.0.1:5000', sources)).toEqual({
      source: 'docker-config',
      auth: { username: 'ci', password: 'pa:ss', serveraddress: '127.0.0.1:5000' },
    });
    expect(findRegistryCredentials('ghcr.io', sources)).toEqual({
      source: 'docker-config',
      auth: { username: 'bot', password: 'tok', serveraddress: 'ghcr.io' },
    });
    expect(findRegistryCredentials('docker.io', sources)).toEqual({
      source: 'docker-config',
      auth: { username: 'hub', password: 'hubpw', serveraddress: 'https://index.docker.io/v1/' },
    });
    expect(findRegistryCredentials('registry.example.com:8443', sources)).toEqual({
      source: 'docker-config',
      auth: { identitytoken: 'refresh-token', serveraddress: 'registry.example.com:8443' },
    });
  });

  it('says so when an auth is not user:password, or the credentials are in a helper', () => {
    expect(findRegistryCredentials('broken.example.com', sources)).toEqual({
      source: 'invalid',
      problem:
        '/home/ci/.docker/config.json has an "auth" for "broken.example.com" that is not base64 of user:password',
    });
    expect(findRegistryCredentials('aws.example.com', sources)).toEqual({
      source: 'none',
      note: '/home/ci/.docker/config.json keeps the credentials for aws.example.com in the credential helper "ecr-login", which Ferry does not run; pushing without credentials',
    });
    expect(findRegistryCredentials('127.0.0.1:6000', sources)).toEqual({ source: 'none' });
    expect(findRegistryCredentials('127.0.0.1:6000', { secrets: {} })).toEqual({ source: 'none' });
  });
});

describe('readDockerConfig', () => {
  it('reads a config file, gives undefined without one, and fails with IMAGE_PUSH_FAILED on bad JSON', async () => {
    const dir = await createTempDir({
      'config.json': JSON.stringify({ auths: { 'a.io': { auth: basic('a', 'b') } } }),
      'bad.json': '{ "auths": ',
      'shape.json': '{ "auths": [1] }',
    });
    cleanups.push(dir.cleanup);
    expect(await readDockerConfig(path.join(dir.dir, 'config.json'))).toEqual({
      auths: { 'a.io': { auth: basic('a', 'b') } },
    });
    expect(await readDockerConfig(path.join(dir.dir, 'missing.json'))).toBeUndefined();
    await expect(readDockerConfig(path.join(dir.dir, 'bad.json'))).rejects.toMatchObject({
      code: 'IMAGE_PUSH_FAILED',
      message: expect.stringContaining('is not valid JSON'),
    });
    await expect(readDockerConfig(path.join(dir.dir, 'shape.json'))).rejects.toMatchObject({
      code: 'IMAGE_PUSH_FAILED',
      message: expect.stringContaining('at auths'),
    });
    await writeFile(path.join(dir.dir, 'empty.json'), '{}');
    expect(await readDockerConfig(path.join(dir.dir, 'empty.json'))).toEqual({});
  });
});
