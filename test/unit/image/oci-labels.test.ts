import { describe, expect, it } from 'vitest';
import { ociLabels, sourceUrl } from '../../../packages/engine/src/image/oci-labels.js';

describe('ociLabels', () => {
  it('labels revision, source and created from git', () => {
    expect(
      ociLabels({ sha: 'a'.repeat(40), repo: 'git@github.com:acme/shop.git' }, new Date('2026-01-02T03:04:05.678Z')),
    ).toEqual({
      'org.opencontainers.image.revision': 'a'.repeat(40),
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.created': '2026-01-02T03:04:05Z',
    });
  });

  it('leaves out what it does not know', () => {
    expect(ociLabels({ sha: '', repo: 'shop' }, undefined)).toEqual({});
  });
});

describe('sourceUrl', () => {
  it('turns remotes into web addresses without credentials', () => {
    expect(sourceUrl('https://ci-bot:ghp_secret@github.com/acme/shop.git')).toBe('https://github.com/acme/shop');
    expect(sourceUrl('ssh://git@gitea.local:2222/acme/shop.git')).toBe('https://gitea.local/acme/shop');
    expect(sourceUrl('git@gitlab.com:group/sub/shop.git')).toBe('https://gitlab.com/group/sub/shop');
    expect(sourceUrl('http://127.0.0.1:3000/acme/shop')).toBe('http://127.0.0.1:3000/acme/shop');
  });

  it('gives nothing for a local path or a bare name', () => {
    expect(sourceUrl('/srv/git/shop.git')).toBeUndefined();
    expect(sourceUrl('file:///srv/git/shop.git')).toBeUndefined();
    expect(sourceUrl('shop')).toBeUndefined();
  });
});
