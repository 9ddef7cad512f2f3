import { describe, expect, it } from 'vitest';
import { gitSafeEnv, splitCloneUrl } from '../../../packages/runner/src/git/clone-credentials.js';

describe('splitCloneUrl', () => {
  it.each([
    ['https://ci:s3cr%40t@git.example.com/acme/shop.git', 'https://git.example.com/acme/shop.git', 'ci', 's3cr@t'],
    ['https://ghp_token@github.com/acme/shop.git', 'https://github.com/acme/shop.git', 'ghp_token', ''],
    ['http://u:p@127.0.0.1:3000/a.git', 'http://127.0.0.1:3000/a.git', 'u', 'p'],
    ['ssh://git:pw@host/a.git', 'ssh://git@host/a.git', 'git', 'pw'],
  ])('takes the secret out of %s', (url, stripped, username, password) => {
    expect(splitCloneUrl(url)).toEqual({ url: stripped, credential: { username, password } });
  });

  it.each(['https://github.com/acme/shop.git', 'ssh://git@host/a.git', 'git@github.com:acme/shop.git', '/srv/a.git'])(
    'leaves %s as it is',
    (url) => {
      expect(splitCloneUrl(url)).toEqual({ url });
    },
  );
});

describe('gitSafeEnv', () => {
  it('drops what simple-git refuses and keeps the rest', () => {
    expect(gitSafeEnv({ PATH: '/bin', EDITOR: 'vi', GIT_SSH_COMMAND: 'ssh', HOME: '/root', X: undefined })).toEqual({
      PATH: '/bin',
      HOME: '/root',
    });
  });
});
