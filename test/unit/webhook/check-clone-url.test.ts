import { describe, expect, it } from 'vitest';
import {
  checkCloneUrl,
  defaultCloneTransports,
  transportOf,
} from '../../../packages/runner/src/webhook/check-clone-url.js';

describe('transportOf', () => {
  it.each([
    ['https://github.com/acme/shop.git', 'https'],
    ['HTTP://gitea.local/acme/shop', 'http'],
    ['ssh://git@host:22/acme/shop.git', 'ssh'],
    ['git+ssh://host/x', 'ssh'],
    ['git@github.com:acme/shop.git', 'ssh'],
    ['host:acme/shop', 'ssh'],
    ['git://host/acme/shop', 'git'],
    ['file:///srv/shop.git', 'file'],
    ['/srv/shop.git', 'file'],
    ['./shop', 'file'],
    ['acme/shop', 'file'],
    ['fd::3', 'fd::'],
    ['ext::sh -c x', 'ext::'],
    ['gopher://host/x', 'gopher'],
  ])('%s is %s', (url, transport) => {
    expect(transportOf(url)).toBe(transport);
  });
});

describe('checkCloneUrl', () => {
  const allowed = new Set<string>(defaultCloneTransports);

  it('lets https, http, ssh and git through from outside', () => {
    for (const url of ['https://h/a.git', 'http://h/a', 'ssh://h/a', 'git@h:a.git', 'git://h/a']) {
      expect(checkCloneUrl(url, allowed)).toBeUndefined();
    }
  });

  it('refuses file and unknown transports from outside, and remote helpers always', () => {
    expect(checkCloneUrl('file:///etc', allowed)).toContain('transport "file" is not allowed');
    expect(checkCloneUrl('/etc', allowed)).toContain('git.transports can allow it');
    expect(checkCloneUrl('gopher://h/a', allowed)).toContain('"gopher"');
    expect(checkCloneUrl('fd::3', allowed)).toContain('remote helper (fd::)');
    expect(checkCloneUrl('fd::3')).toContain('remote helper');
    expect(checkCloneUrl('file:///srv/x')).toBeUndefined();
    expect(checkCloneUrl('file:///srv/x', new Set([...allowed, 'file']))).toBeUndefined();
  });

  it('refuses options, control characters and huge URLs whatever their origin', () => {
    expect(checkCloneUrl('--upload-pack=touch /tmp/x')).toContain('starts with "-"');
    expect(checkCloneUrl('https://h/a\nb')).toContain('control characters');
    expect(checkCloneUrl(`https://h/${'a'.repeat(3000)}`)).toContain('over 2048');
  });
});
