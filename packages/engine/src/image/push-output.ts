import { formatBytes } from '../exec/format-bytes.js';
import type { ProgressMessage } from './follow-progress.js';

export interface PushOutputOptions {
  /** Milliseconds, from the injected clock. */
  now(): number;
  /** At most one progress line per layer this often; state changes (Preparing → Pushed) always show. Default 1000. */
  intervalMs?: number;
}

/**
 * Follows the messages of a push: one line per layer state (`a1b2c3d4e5f6: Pushed`), byte progress per
 * layer at most once per interval (`a1b2c3d4e5f6: Pushing 3.4 MiB / 10.0 MiB`) rather than one line per chunk,
 * and every status without a layer (`v1: digest: sha256:… size: 735`). Keeps the manifest digest (`aux.Digest`)
 * and the first error. Pure: the clock is passed in.
 */
export class PushOutput {
  readonly #onLine: (line: string) => void;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #layers = new Map<string, { status: string; shownAt: number }>();
  #digest: string | undefined;
  #error: string | undefined;

  constructor(onLine: (line: string) => void, options: PushOutputOptions) {
    this.#onLine = onLine;
    this.#now = () => options.now();
    this.#intervalMs = options.intervalMs ?? 1000;
  }

  /** `sha256:…` of the pushed manifest. */
  get digest(): string | undefined {
    return this.#digest;
  }

  get error(): string | undefined {
    return this.#error;
  }

  handle(message: ProgressMessage): void {
    if (message.errorDetail || message.error) {
      this.#error ??= (message.errorDetail?.message ?? message.error ?? 'the push failed').trim();
      return;
    }
    if (typeof message.aux?.Digest === 'string') this.#digest = message.aux.Digest;
    const status = message.status;
    if (typeof status !== 'string' || status === '') return;
    if (!message.id) {
      this.#onLine(status);
      return;
    }
    const now = this.#now();
    const layer = this.#layers.get(message.id);
    const current = message.progressDetail?.current;
    if (layer && layer.status === status) {
      if (current === undefined || now - layer.shownAt < this.#intervalMs) return;
    }
    this.#layers.set(message.id, { status, shownAt: now });
    this.#onLine(
      `${message.id}: ${status}${current === undefined ? '' : ` ${formatProgress(current, message.progressDetail?.total)}`}`,
    );
  }
}

function formatProgress(current: number, total: number | undefined): string {
  // The engine reports a total smaller than what it sent for small layers; a total only shows when it makes sense.
  return total !== undefined && total >= current
    ? `${formatBytes(current)} / ${formatBytes(total)}`
    : formatBytes(current);
}

export type PushCredentialSource = 'secrets' | 'docker-config' | 'none';

/**
 * The job's error for a failed push: what was pushed where, the kind of failure in words, and what to do.
 *
 *     push of 127.0.0.1:5000/shop/api:abc1234 failed: registry 127.0.0.1:5000 is unreachable (connection refused); is it running at that address? (engine: Get "http://127.0.0.1:5000/v2/": dial tcp …)
 */
export function describePushError(
  image: string,
  registry: string,
  reason: string,
  credentials: PushCredentialSource,
): string {
  const prefix = `push of ${image} failed`;
  const unreachable =
    /connection refused|no such host|i\/o timeout|network is unreachable|no route to host|connection reset|server misbehaving|TLS handshake timeout|context deadline exceeded/i.exec(
      reason,
    );
  if (unreachable) {
    return `${prefix}: registry ${registry} is unreachable (${unreachable[0].toLowerCase()}); is it running at that address? (engine: ${reason})`;
  }
  if (/no basic auth credentials|authentication required|unauthorized|incorrect username or password/i.test(reason)) {
    const hint =
      credentials === 'none'
        ? `no credentials were found for ${registry}: declare the secrets FERRY_REGISTRY_USER and FERRY_REGISTRY_PASSWORD on the job, or log in so the Docker config file has auths["${registry}"]`
        : credentials === 'secrets'
          ? `the registry refused the credentials from the job's secrets FERRY_REGISTRY_USER / FERRY_REGISTRY_PASSWORD`
          : `the registry refused the credentials for ${registry} from the Docker config file`;
    return `${prefix}: ${hint} (engine: ${reason})`;
  }
  if (/denied|forbidden/i.test(reason)) {
    return `${prefix}: the registry ${registry} denied access to the repository; check that the account may push there (engine: ${reason})`;
  }
  return `${prefix}: ${reason}`;
}
