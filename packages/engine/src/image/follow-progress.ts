import { LineSplitter } from '../exec/line-splitter.js';

/** One message of the JSON progress stream the engine sends for a build or a push. */
export interface ProgressMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/**
 * Reads a newline-delimited JSON progress stream to its end, handing each message to `onMessage` in order.
 * A line that is not JSON is passed on as `{ stream: line }`. Resolves at the end of the stream; rejects when
 * the stream fails, closes early, or `signal` aborts (the stream is destroyed, which aborts the request).
 */
export function followProgress(
  stream: NodeJS.ReadableStream,
  onMessage: (message: ProgressMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      // An abort reason or a callback's throw is passed on as it is, so that callers recognise their own.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      else reject(error);
    };
    const splitter = new LineSplitter((line) => {
      const text = line.trim();
      if (text === '') return;
      let message: ProgressMessage;
      try {
        message = JSON.parse(text) as ProgressMessage;
      } catch {
        message = { stream: `${line}\n` };
      }
      try {
        onMessage(message);
      } catch (error) {
        settle(error);
        (stream as NodeJS.ReadableStream & { destroy?(): void }).destroy?.();
      }
    });
    const onAbort = () => {
      (stream as NodeJS.ReadableStream & { destroy?(error?: Error): void }).destroy?.();
      settle(signal.reason ?? new Error('aborted'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer | string) => splitter.write(chunk));
    stream.on('end', () => {
      splitter.end();
      settle();
    });
    stream.on('error', (error: Error) => settle(signal.aborted ? (signal.reason ?? error) : error));
    stream.on('close', () =>
      settle(
        signal.aborted
          ? (signal.reason ?? new Error('aborted'))
          : new Error('the Docker engine closed the progress stream before its end'),
      ),
    );
  });
}
