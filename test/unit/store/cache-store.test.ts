import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheStore } from '../../../packages/engine/src/store/cache-store.js';
import { hashFiles } from '../../../packages/engine/src/store/hash-files.js';

function archive(dir: string, bytes: number): string {
  const file = join(dir, `in-${Math.random().toString(36).slice(2)}.tar`);
  writeFileSync(file, Buffer.alloc(bytes, 1));
  return file;
}

describe('CacheStore', () => {
  it('finds an exact key, else the newest entry matching a restore key prefix', () => {
    let now = 1000;
    const dir = mkdtempSync(join(tmpdir(), 'ferry-cache-test-'));
    const store = new CacheStore(join(dir, 'cache'), 10_000, () => now);
    store.save('npm-aaa', archive(dir, 10));
    now += 1;
    store.save('npm-bbb', archive(dir, 20));
    expect(store.lookup('npm-aaa')).toMatchObject({ exact: true, entry: { key: 'npm-aaa', bytes: 10 } });
    expect(store.lookup('npm-ccc', ['yarn-', 'npm-'])).toMatchObject({ exact: false, entry: { key: 'npm-bbb' } });
    expect(store.lookup('npm-ccc', ['yarn-'])).toBeUndefined();
  });

  it('evicts the least recently used entries past the size cap, never the one just saved', () => {
    let now = 1000;
    const dir = mkdtempSync(join(tmpdir(), 'ferry-cache-test-'));
    const store = new CacheStore(join(dir, 'cache'), 250, () => now);
    store.save('a', archive(dir, 100));
    now += 1;
    store.save('b', archive(dir, 100));
    now += 1;
    store.lookup('a'); // a is now more recently used than b
    now += 1;
    const { evicted } = store.save('c', archive(dir, 100));
    expect(evicted).toEqual(['b']);
    expect(
      store
        .entries()
        .map((e) => e.key)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(store.save('huge', archive(dir, 1000)).evicted.sort()).toEqual(['a', 'c']);
    expect(store.entries().map((e) => e.key)).toEqual(['huge']);
  });
});

describe('hashFiles', () => {
  it("changes with a matching file's content and is empty when nothing matches", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-hash-'));
    writeFileSync(join(dir, 'package-lock.json'), '{"a":1}');
    const first = hashFiles(dir, ['package-lock.json']);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, 'package-lock.json'), '{"a":2}');
    expect(hashFiles(dir, ['package-lock.json'])).not.toBe(first);
    expect(hashFiles(dir, ['*.lock'])).toBe('');
  });
});
