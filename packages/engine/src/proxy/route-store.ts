import { readFileSync } from 'node:fs';
import { FerryError } from '../errors.js';
import { routeTableSchema } from './admin-schemas.js';
import type { RouteTable } from './proxy-types.js';
import { proxyPaths, writeFileAtomic } from './state-dir.js';

/**
 * routes.json: the routing table a restarted proxy serves at once. `save` writes atomically and in call order;
 * each write takes the snapshot when it runs, so the file always ends on the latest state.
 */
export class RouteStore {
  private readonly path: string;
  private queue: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.path = proxyPaths(stateDir).routes;
  }

  /** The stored table; empty when there is none yet. A corrupt file is an error (serving nothing would be worse). */
  load(): RouteTable {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, services: [] };
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new FerryError(
        'PROXY_UNAVAILABLE',
        `${this.path} is not valid JSON (${(error as Error).message}); fix or remove it`,
        { cause: error },
      );
    }
    const parsed = routeTableSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new FerryError(
        'PROXY_UNAVAILABLE',
        `${this.path}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}; fix or remove it`,
      );
    }
    return parsed.data;
  }

  save(snapshot: () => RouteTable): Promise<void> {
    const write = this.queue.then(() => writeFileAtomic(this.path, `${JSON.stringify(snapshot(), null, 2)}\n`));
    this.queue = write.catch(() => undefined);
    return write;
  }
}
