import { describe, expect, it } from 'vitest';
import { resolveTags } from '../../../packages/engine/src/image/resolve-tags.js';

const rendered = (...pairs: Array<[string, string]>) => pairs.map(([template, value]) => ({ template, value }));

describe('resolveTags', () => {
  it('sanitizes a branch in the tag part, leaves out a tag that rendered empty, defaults to latest and drops duplicates', () => {
    const result = resolveTags(
      rendered(
        ['127.0.0.1:5000/shop/api:${{ git.shortSha }}', '127.0.0.1:5000/shop/api:abc1234'],
        ['127.0.0.1:5000/shop/api:${{ git.branch }}', '127.0.0.1:5000/shop/api:feature/login'],
        ['127.0.0.1:5000/shop/api:${{ git.tag }}', '127.0.0.1:5000/shop/api:'],
        ['127.0.0.1:5000/shop/api', '127.0.0.1:5000/shop/api'],
        ['127.0.0.1:5000/shop/api:latest', '127.0.0.1:5000/shop/api:latest'],
        ['shop/web:${{ git.branch }}', 'shop/web:release/1.2'],
      ),
    );
    expect(result.tags.map((tag) => tag.name)).toEqual([
      '127.0.0.1:5000/shop/api:abc1234',
      '127.0.0.1:5000/shop/api:feature-login',
      '127.0.0.1:5000/shop/api:latest',
      'shop/web:release-1.2',
    ]);
    expect(result.tags[0]?.reference).toEqual({ registry: '127.0.0.1:5000', path: 'shop/api', tag: 'abc1234' });
    expect(result.notes).toEqual([
      'tag 127.0.0.1:5000/shop/api:feature/login written as 127.0.0.1:5000/shop/api:feature-login (a tag holds only letters, digits, _ . and -)',
      'tag 127.0.0.1:5000/shop/api:${{ git.tag }} left out: it rendered to "127.0.0.1:5000/shop/api:", which has no tag (an expression in it is empty)',
      'tag shop/web:release/1.2 written as shop/web:release-1.2 (a tag holds only letters, digits, _ . and -)',
    ]);
    expect(result.problems).toEqual([]);
  });

  it('reports a tag that cannot be a reference, naming its template', () => {
    const result = resolveTags(
      rendered(
        ['${{ env.REPO }}:1', 'Shop/API:1'],
        ['app@sha256:' + 'a'.repeat(64), 'app@sha256:' + 'a'.repeat(64)],
        ['${{ git.repo }}:1', 'https://bot@git.example.com/shop.git:1'],
      ),
    );
    expect(result.tags).toEqual([]);
    expect(result.problems).toEqual([
      'tag "Shop/API:1" (from ${{ env.REPO }}:1) is not a valid image reference: "Shop" is not a valid repository name component (repository names must be lowercase)',
      `tag "app@sha256:${'a'.repeat(64)}" names a digest; a build can only be tagged (name:tag)`,
      'tag "https://bot@git.example.com/shop.git:1" (from ${{ git.repo }}:1) is not a valid image reference: "@" may only come before a digest',
    ]);
  });
});
