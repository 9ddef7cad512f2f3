import { StringDecoder } from 'node:string_decoder';

export interface LineSplitterOptions {
  /** A line longer than this (in UTF-16 units) is emitted in pieces, so a stream without newlines cannot grow without bound. */
  maxLineLength?: number;
}

const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

/**
 * Turns a byte stream into lines. Chunks may split lines and multibyte UTF-8 characters anywhere;
 * `\n` ends a line, a trailing `\r` is dropped, and `end()` flushes a final line that has no newline.
 * Invalid UTF-8 becomes U+FFFD.
 */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #maxLineLength: number;
  readonly #decoder = new StringDecoder('utf8');
  #pending = '';
  #ended = false;

  constructor(onLine: (line: string) => void, options: LineSplitterOptions = {}) {
    this.#onLine = onLine;
    this.#maxLineLength = Math.max(2, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  }

  write(chunk: Uint8Array | string): void {
    if (this.#ended) return;
    this.#append(typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
  }

  end(): void {
    if (this.#ended) return;
    this.#append(this.#decoder.end());
    this.#ended = true;
    if (this.#pending.length > 0) this.#emit(this.#pending);
    this.#pending = '';
  }

  #append(text: string): void {
    if (text.length === 0) return;
    const buffer = this.#pending + text;
    let start = 0;
    let newline = buffer.indexOf('\n', this.#pending.length);
    while (newline !== -1) {
      this.#emit(buffer.slice(start, newline));
      start = newline + 1;
      newline = buffer.indexOf('\n', start);
    }
    this.#pending = this.#emitPieces(buffer.slice(start));
  }

  #emit(line: string): void {
    const rest = this.#emitPieces(line.endsWith('\r') ? line.slice(0, -1) : line);
    this.#onLine(rest);
  }

  /** Emits leading pieces of maxLineLength (never splitting a surrogate pair) and returns the rest, at most that long. */
  #emitPieces(text: string): string {
    let rest = text;
    while (rest.length > this.#maxLineLength) {
      let cut = this.#maxLineLength;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
      this.#onLine(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    return rest;
  }
}
