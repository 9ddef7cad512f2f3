import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';

export interface GitObject {
  oid: string;
  type: string;
  size: number;
  /** Empty from a `check` cat-file, which answers with the header only. */
  content: Buffer;
}

interface Pending {
  resolve(object: GitObject | undefined): void;
  reject(error: Error): void;
}

/** One cat-file process and the requests it still owes answers to. */
interface Session {
  proc: ChildProcessWithoutNullStreams;
  pending: Pending[];
  buffer: Buffer;
  check: boolean;
}

/**
 * One long-lived `git cat-file --batch` in a repository: object lookups (`<sha>^{commit}`, `<sha>:<path>`) without
 * a process each, answered in the order asked. The process starts on first use and again after it exits.
 * `close()` ends its input: it answers what it was asked and exits, and the next lookup starts a new one — call
 * it after a fetch, since a running cat-file may not see packs that arrived after it started. An idle process
 * never keeps the parent alive.
 */
export class GitCatFile {
  #session: Session | undefined;

  constructor(
    private readonly dir: string,
    private readonly env?: Record<string, string | undefined>,
    /** `--batch-check`: type and size only, never the contents (to look before reading a large blob). */
    private readonly check = false,
  ) {}

  /** The object `rev` names; undefined when there is none (missing or ambiguous). */
  get(rev: string): Promise<GitObject | undefined> {
    if (/[\r\n]/.test(rev)) return Promise.reject(new Error(`not an object name: ${JSON.stringify(rev)}`));
    const session = this.#start();
    return new Promise((resolve, reject) => {
      session.pending.push({ resolve, reject });
      hold(session, true);
      session.proc.stdin.write(`${rev}\n`);
    });
  }

  close(): void {
    const session = this.#session;
    this.#session = undefined;
    session?.proc.stdin.end();
  }

  #start(): Session {
    if (this.#session) return this.#session;
    const proc = spawn('git', ['cat-file', this.check ? '--batch-check' : '--batch'], {
      cwd: this.dir,
      env: this.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const session: Session = { proc, pending: [], buffer: Buffer.alloc(0), check: this.check };
    this.#session = session;
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      session.buffer = session.buffer.length === 0 ? chunk : Buffer.concat([session.buffer, chunk]);
      drain(session);
    });
    proc.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
    const fail = (reason: string) => {
      if (this.#session === session) this.#session = undefined;
      for (const request of session.pending.splice(0))
        request.reject(new Error(`git cat-file ${reason}${stderr ? `: ${stderr.trim()}` : ''}`));
    };
    proc.once('error', (error) => fail(`could not start: ${error.message}`));
    proc.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    proc.stdin.on('error', () => undefined);
    // An idle helper must not keep the process alive; a busy one must (see hold).
    proc.unref();
    for (const stream of [proc.stdin, proc.stdout, proc.stderr]) (stream as unknown as Socket).unref?.();
    return session;
  }
}

/** Keeps the event loop alive while answers are awaited, and only then. */
function hold(session: Session, busy: boolean): void {
  const stdout = session.proc.stdout as unknown as Socket;
  if (busy) stdout.ref?.();
  else stdout.unref?.();
}

/** Answers the oldest requests whose replies are complete in the buffer. */
function drain(session: Session): void {
  for (;;) {
    const request = session.pending[0];
    if (!request) {
      hold(session, false);
      return;
    }
    const newline = session.buffer.indexOf(0x0a);
    if (newline < 0) return;
    const header = session.buffer.subarray(0, newline).toString('utf8');
    const parts = header.split(' ');
    if (header.endsWith(' missing') || header.endsWith(' ambiguous') || parts.length !== 3) {
      session.buffer = session.buffer.subarray(newline + 1);
      session.pending.shift();
      request.resolve(undefined);
      continue;
    }
    const size = Number(parts[2]);
    if (session.check) {
      session.buffer = session.buffer.subarray(newline + 1);
      session.pending.shift();
      request.resolve({ oid: parts[0] ?? '', type: parts[1] ?? '', size, content: Buffer.alloc(0) });
      continue;
    }
    const end = newline + 1 + size;
    // The contents, and the newline after them.
    if (session.buffer.length < end + 1) return;
    const content = Buffer.from(session.buffer.subarray(newline + 1, end));
    session.buffer = session.buffer.subarray(end + 1);
    session.pending.shift();
    request.resolve({ oid: parts[0] ?? '', type: parts[1] ?? '', size, content });
  }
}
