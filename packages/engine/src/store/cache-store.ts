import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CacheEntry {
  key: string;
  /** The tar archive on disk. */
  file: string;
  bytes: number;
  createdAt: number;
  lastUsedAt: number;
}

export interface CacheHit {
  entry: CacheEntry;
  /** true when the key itself matched; false for a restoreKeys prefix match (the job then saves under its key). */
  exact: boolean;
}

/**
 * Key → tar archive, on disk under `root`: `<sha256(key)>.tar` with a `<sha256(key)>.json` beside it.
 * Writes are atomic (temp file, then rename) so concurrent runs never read half an entry; the last writer of a
 * key wins. Past `maxBytes` the least recently used entries are evicted.
 */
export class CacheStore {
  constructor(
    readonly root: string,
    readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The entry for `key`, else the newest entry whose key starts with the first matching restore key. */
  lookup(key: string, restoreKeys: string[] = []): CacheHit | undefined {
    const exact = this.read(key);
    if (exact) return { entry: this.touch(exact), exact: true };
    const entries = this.entries();
    for (const prefix of restoreKeys) {
      const newest = entries
        .filter((entry) => entry.key.startsWith(prefix))
        .sort((a, b) => b.createdAt - a.createdAt)[0];
      if (newest) return { entry: this.touch(newest), exact: false };
    }
    return undefined;
  }

  /** Moves `archive` into the cache under `key`, then evicts down to the size cap. Returns what it evicted. */
  save(key: string, archive: string): { entry: CacheEntry; evicted: string[] } {
    mkdirSync(this.root, { recursive: true });
    const id = entryId(key);
    const file = join(this.root, `${id}.tar`);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    renameSync(archive, tmp);
    renameSync(tmp, file);
    const entry: CacheEntry = { key, file, bytes: statSync(file).size, createdAt: this.now(), lastUsedAt: this.now() };
    this.writeMeta(entry);
    return { entry, evicted: this.evict(key) };
  }

  entries(): CacheEntry[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root)
      .filter((name) => name.endsWith('.json'))
      .flatMap((name) => {
        try {
          const entry = JSON.parse(readFileSync(join(this.root, name), 'utf8')) as CacheEntry;
          return existsSync(entry.file) ? [entry] : [];
        } catch {
          return [];
        }
      });
  }

  private read(key: string): CacheEntry | undefined {
    const meta = join(this.root, `${entryId(key)}.json`);
    if (!existsSync(meta)) return undefined;
    try {
      const entry = JSON.parse(readFileSync(meta, 'utf8')) as CacheEntry;
      return entry.key === key && existsSync(entry.file) ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  private touch(entry: CacheEntry): CacheEntry {
    const touched = { ...entry, lastUsedAt: this.now() };
    this.writeMeta(touched);
    return touched;
  }

  private writeMeta(entry: CacheEntry): void {
    const meta = join(this.root, `${entryId(entry.key)}.json`);
    writeFileSync(`${meta}.tmp`, JSON.stringify(entry));
    renameSync(`${meta}.tmp`, meta);
  }

  /** Least recently used first, never the entry just written. */
  private evict(keep: string): string[] {
    const entries = this.entries().sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    const evicted: string[] = [];
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      if (entry.key === keep) continue;
      rmSync(entry.file, { force: true });
      rmSync(join(this.root, `${entryId(entry.key)}.json`), { force: true });
      total -= entry.bytes;
      evicted.push(entry.key);
    }
    return evicted;
  }
}

function entryId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
