import { describe, expect, it } from 'vitest';
import {
  formatImageReference,
  parseImageReference,
  repositoryOf,
  sanitizeTag,
} from '../../../packages/engine/src/image/image-reference.js';

describe('parseImageReference', () => {
  it('reads a registry only from a first component with a dot, a port or localhost', () => {
    expect(parseImageReference('127.0.0.1:5000/shop/api:v1')).toEqual({
      ok: true,
      reference: { registry: '127.0.0.1:5000', path: 'shop/api', tag: 'v1' },
    });
    expect(parseImageReference('ghcr.io/acme/web')).toEqual({
      ok: true,
      reference: { registry: 'ghcr.io', path: 'acme/web' },
    });
    expect(parseImageReference('localhost/app:1')).toEqual({
      ok: true,
      reference: { registry: 'localhost', path: 'app', tag: '1' },
    });
    expect(parseImageReference('shop/api:1')).toEqual({ ok: true, reference: { path: 'shop/api', tag: '1' } });
    expect(parseImageReference('busybox')).toEqual({ ok: true, reference: { path: 'busybox' } });
  });

  it('reads a digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(`127.0.0.1:5000/app@${digest}`)).toEqual({
      ok: true,
      reference: { registry: '127.0.0.1:5000', path: 'app', digest },
    });
  });

  it('says why a reference is not valid', () => {
    expect(parseImageReference('Shop/api:1')).toEqual({
      ok: false,
      reason: '"Shop" is not a valid repository name component (repository names must be lowercase)',
    });
    expect(parseImageReference('127.0.0.1:5000/Shop:1')).toEqual({
      ok: false,
      reason: '"Shop" is not a valid repository name component (repository names must be lowercase)',
    });
    expect(parseImageReference('app:')).toEqual({ ok: false, reason: 'the tag after ":" is empty' });
    expect(parseImageReference('app:-x')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('the tag "-x" is not valid'),
    });
    expect(parseImageReference('app@sha256:zz')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('is not a digest'),
    });
    expect(parseImageReference('my app')).toEqual({ ok: false, reason: 'it contains whitespace' });
  });

  it('formats with latest as the default tag and gives the repository', () => {
    const parsed = parseImageReference('127.0.0.1:5000/shop/api');
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(formatImageReference(parsed.reference)).toBe('127.0.0.1:5000/shop/api:latest');
    expect(repositoryOf(parsed.reference)).toBe('127.0.0.1:5000/shop/api');
  });
});

describe('sanitizeTag', () => {
  it('turns a branch name into a tag', () => {
    expect(sanitizeTag('feature/login')).toBe('feature-login');
    expect(sanitizeTag('-.release/1.2')).toBe('release-1.2');
    expect(sanitizeTag('x'.repeat(200))).toHaveLength(128);
    expect(sanitizeTag('///')).toBe('');
  });
});
