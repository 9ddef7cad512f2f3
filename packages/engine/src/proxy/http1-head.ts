/**
 * Strict HTTP/1.1 message heads for the lean forwarder (RFC 9112), from raw bytes. Anything whose framing could
 * be read two ways is an error, never a guess: a request with both Content-Length and Transfer-Encoding,
 * differing Content-Length values, a Transfer-Encoding other than `chunked`, obs-fold, a bare CR or LF, control
 * characters, or whitespace before a field's colon. Pure: no I/O.
 */

/** Heads longer than this are refused (Node's default --max-http-header-size). */
export const maxHeadBytes = 16 * 1024;

/** A head's fields in arrival order, names as sent. */
export type HeadFields = Array<[name: string, value: string]>;

export interface RequestHead {
  method: string;
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  fields: HeadFields;
  /** Bytes of the head including its blank line. */
  length: number;
  /** The body's length; -1 when the body is chunked. */
  contentLength: number;
  /** Lower-cased tokens of every Connection field. */
  connection: Set<string>;
  hostCount: number;
  /** Lower-cased values of the fields the forwarder reads. */
  host: string | undefined;
  cookie: string | undefined;
  upgrade: boolean;
  expect: boolean;
}

export interface ResponseHead {
  status: number;
  reason: string;
  minor: 0 | 1;
  fields: HeadFields;
  length: number;
  /** Framing of the body, given the request it answers (RFC 9112 §6.3). */
  body: { kind: 'none' } | { kind: 'length'; bytes: number } | { kind: 'chunked' } | { kind: 'until-close' };
  /** The upstream said it closes the connection after this response. */
  close: boolean;
  /** `Keep-Alive: timeout=<s>` of the upstream, in ms: it closes idle connections after that long. */
  keepAliveMs: number | undefined;
}

export type HeadResult<T> =
  { kind: 'incomplete' } | { kind: 'error'; status: 400 | 431 | 502; reason: string } | ({ kind: 'head' } & T);

const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Field values: visible ASCII, obs-text, SP and HTAB (RFC 9110 §5.5); CR, LF, NUL and other controls are refused.
// eslint-disable-next-line no-control-regex
const badValueChar = /[\x00-\x08\x0a-\x1f\x7f]/;
const requestLinePattern = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\x21-\x7e]+) HTTP\/1\.([01])$/;
const statusLinePattern = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const digits = /^\d{1,15}$/;

type Fields = { fields: HeadFields; error?: undefined } | { error: string };

/** Splits the lines after the start line into fields; refuses obs-fold, bare CR/LF and malformed names. */
function readFields(lines: string[]): Fields {
  const fields: HeadFields = [];
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) return { error: 'obsolete line folding in a header field' };
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!tokenPattern.test(name)) return { error: `malformed header field "${line.slice(0, 40)}"` };
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (badValueChar.test(value)) return { error: `control character in header field "${name}"` };
    fields.push([name, value]);
  }
  return { fields };
}

/** Finds the head in buf[start, end): its lines, or why not. */
function splitHead(
  buf: Buffer,
  start: number,
  end: number,
): { lines: string[]; length: number } | { kind: 'incomplete' } | { kind: 'error'; reason: string; tooLong?: true } {
  const stop = buf.indexOf('\r\n\r\n', start, 'latin1');
  if (stop < 0 || stop + 4 > end) {
    return end - start > maxHeadBytes
      ? { kind: 'error', reason: 'header section too large', tooLong: true }
      : { kind: 'incomplete' };
  }
  if (stop + 4 - start > maxHeadBytes) return { kind: 'error', reason: 'header section too large', tooLong: true };
  const text = buf.toString('latin1', start, stop);
  const lines = text.split('\r\n');
  for (const line of lines)
    if (line.includes('\r') || line.includes('\n')) return { kind: 'error', reason: 'bare CR or LF in the head' };
  return { lines, length: stop + 4 - start };
}

/** The single Content-Length of some fields (equal repeats allowed), null when absent, or an error. */
function contentLengthOf(fields: HeadFields): number | null | { error: string } {
  let seen: string | undefined;
  for (const [name, value] of fields) {
    if (name.length !== 14 || name.toLowerCase() !== 'content-length') continue;
    for (const part of value.split(',')) {
      const item = part.trim();
      if (!digits.test(item)) return { error: `invalid Content-Length "${value.slice(0, 40)}"` };
      if (seen !== undefined && Number(seen) !== Number(item)) return { error: 'conflicting Content-Length fields' };
      seen = item;
    }
  }
  return seen === undefined ? null : Number(seen);
}

/** Lower-cased codings of every Transfer-Encoding field, in order. */
function transferCodings(fields: HeadFields): string[] | undefined {
  let codings: string[] | undefined;
  for (const [name, value] of fields) {
    if (name.length !== 17 || name.toLowerCase() !== 'transfer-encoding') continue;
    codings ??= [];
    for (const part of value.split(',')) codings.push(part.trim().toLowerCase());
  }
  return codings;
}

/** Parses a request head at buf[start, end). */
export function parseRequestHead(buf: Buffer, start = 0, end = buf.length): HeadResult<RequestHead> {
  const split = splitHead(buf, start, end);
  if ('kind' in split) return split.kind === 'error' ? { ...split, status: split.tooLong ? 431 : 400 } : split;
  const [startLine = '', ...rest] = split.lines;
  const line = requestLinePattern.exec(startLine);
  if (!line) return { kind: 'error', status: 400, reason: 'malformed request line' };
  const read = readFields(rest);
  if (read.error !== undefined) return { kind: 'error', status: 400, reason: read.error };
  const fields = read.fields;
  const length = contentLengthOf(fields);
  if (typeof length === 'object' && length !== null) return { kind: 'error', status: 400, reason: length.error };
  const codings = transferCodings(fields);
  if (codings !== undefined) {
    if (length !== null) return { kind: 'error', status: 400, reason: 'both Content-Length and Transfer-Encoding' };
    if (codings.length !== 1 || codings[0] !== 'chunked')
      return { kind: 'error', status: 400, reason: `unsupported Transfer-Encoding "${codings.join(', ')}"` };
  }
  const connection = new Set<string>();
  let hostCount = 0;
  let host: string | undefined;
  let cookie: string | undefined;
  let upgrade = false;
  let expect = false;
  for (const [name, value] of fields) {
    switch (name.toLowerCase()) {
      case 'connection':
        for (const token of value.split(',')) if (token.trim()) connection.add(token.trim().toLowerCase());
        break;
      case 'host':
        hostCount += 1;
        host = value;
        break;
      case 'cookie':
        cookie = cookie === undefined ? value : `${cookie}; ${value}`;
        break;
      case 'upgrade':
        upgrade = true;
        break;
      case 'expect':
        expect = true;
        break;
    }
  }
  return {
    kind: 'head',
    method: line[1] ?? '',
    target: line[2] ?? '',
    minor: line[3] === '0' ? 0 : 1,
    fields,
    length: split.length,
    contentLength: codings !== undefined ? -1 : (length ?? 0),
    connection,
    hostCount,
    host,
    cookie,
    upgrade: upgrade && connection.has('upgrade'),
    expect,
  };
}

/** Parses a response head at buf[start, end), answering a request of `method`. */
export function parseResponseHead(buf: Buffer, method: string, start = 0, end = buf.length): HeadResult<ResponseHead> {
  const split = splitHead(buf, start, end);
  if ('kind' in split) return split.kind === 'error' ? { ...split, status: 502 } : split;
  const [startLine = '', ...rest] = split.lines;
  const line = statusLinePattern.exec(startLine);
  if (!line) return { kind: 'error', status: 502, reason: 'malformed status line' };
  const read = readFields(rest);
  if (read.error !== undefined) return { kind: 'error', status: 502, reason: read.error };
  const fields = read.fields;
  const status = Number(line[2]);
  const minor = line[1] === '0' ? 0 : 1;
  const length = contentLengthOf(fields);
  if (typeof length === 'object' && length !== null) return { kind: 'error', status: 502, reason: length.error };
  const codings = transferCodings(fields);
  if (codings !== undefined && length !== null)
    return { kind: 'error', status: 502, reason: 'both Content-Length and Transfer-Encoding' };
  let close = minor === 0;
  let keepAliveMs: number | undefined;
  for (const [name, value] of fields) {
    const lower = name.toLowerCase();
    if (lower === 'keep-alive') {
      const timeout = /(?:^|[,;\s])timeout=(\d{1,6})(?:$|[,;\s])/i.exec(value);
      if (timeout) keepAliveMs = Number(timeout[1]) * 1000;
    }
    if (lower !== 'connection') continue;
    for (const token of value.split(',')) {
      const option = token.trim().toLowerCase();
      if (option === 'close') close = true;
      else if (option === 'keep-alive' && minor === 0) close = false;
    }
  }
  let body: ResponseHead['body'];
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) body = { kind: 'none' };
  else if (codings !== undefined) body = codings.at(-1) === 'chunked' ? { kind: 'chunked' } : { kind: 'until-close' };
  else if (length !== null) body = { kind: 'length', bytes: length };
  else body = { kind: 'until-close' };
  if (body.kind === 'until-close') close = true;
  return { kind: 'head', status, reason: line[3] ?? '', minor, fields, length: split.length, body, close, keepAliveMs };
}

/**
 * Follows a chunked body (RFC 9112 §7.1) byte by byte without copying it: `scan` says how many bytes of a
 * buffer belong to the body and whether the body ended there. Chunk sizes are 1–15 hex digits; extensions are
 * allowed, trailer fields are read (and forwarded as they are); anything else is an error.
 */
export class ChunkedScanner {
  private state: 'size' | 'ext' | 'size-lf' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'trailer-lf' | 'done' =
    'size';
  private sizeDigits = 0;
  private remaining = 0;
  private trailerLineBytes = 0;
  private trailerBytes = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  /** Consumes buf[start, end); returns the bytes used (less than given only when the body ended) or an error. */
  scan(buf: Buffer, start = 0, end = buf.length): { used: number; done: boolean } | { error: string } {
    let i = start;
    while (i < end && this.state !== 'done') {
      const byte = buf[i] ?? 0;
      switch (this.state) {
        case 'size': {
          const value = hexValue(byte);
          if (value >= 0) {
            this.sizeDigits += 1;
            if (this.sizeDigits > 15) return { error: 'chunk size too large' };
            this.remaining = this.remaining * 16 + value;
          } else if (this.sizeDigits === 0) {
            return { error: 'invalid chunk size' };
          } else if (byte === 0x3b /* ; */) {
            this.state = 'ext';
          } else if (byte === 0x0d) {
            this.state = 'size-lf';
          } else {
            return { error: 'invalid chunk size' };
          }
          break;
        }
        case 'ext':
          if (byte === 0x0d) this.state = 'size-lf';
          else if (byte === 0x0a || (byte < 0x20 && byte !== 0x09) || byte === 0x7f)
            return { error: 'invalid chunk extension' };
          break;
        case 'size-lf':
          if (byte !== 0x0a) return { error: 'chunk size line not ended by CRLF' };
          this.sizeDigits = 0;
          if (this.remaining === 0) {
            this.state = 'trailer';
            this.trailerLineBytes = 0;
          } else {
            this.state = 'data';
          }
          break;
        case 'data': {
          const take = Math.min(this.remaining, end - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = 'data-cr';
          continue;
        }
        case 'data-cr':
          if (byte !== 0x0d) return { error: 'chunk data not followed by CRLF' };
          this.state = 'data-lf';
          break;
        case 'data-lf':
          if (byte !== 0x0a) return { error: 'chunk data not followed by CRLF' };
          this.state = 'size';
          break;
        case 'trailer':
          if (byte === 0x0d) this.state = 'trailer-lf';
          else if (byte === 0x0a || (byte < 0x20 && byte !== 0x09) || byte === 0x7f)
            return { error: 'invalid trailer field' };
          else this.trailerLineBytes += 1;
          if (++this.trailerBytes > maxHeadBytes) return { error: 'trailer section too large' };
          break;
        case 'trailer-lf':
          if (byte !== 0x0a) return { error: 'trailer line not ended by CRLF' };
          if (this.trailerLineBytes === 0) this.state = 'done';
          this.trailerLineBytes = 0;
          if (this.state !== 'done') this.state = 'trailer';
          break;
      }
      i += 1;
    }
    return { used: i - start, done: this.state === 'done' };
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}
