import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { RequestHead } from './http1-head.js';

// RFC 9110 §7.6.1 hop-by-hop fields, plus `expect` (the proxy answers 100-continue itself) and `host` (set per request).
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    text
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * Peers whose X-Forwarded-Proto/-Host are believed (a load balancer in front of Ferry's proxy): addresses in
 * FERRY_PROXY_TRUSTED, comma-separated, read when the proxy starts. Nobody is trusted by default: the proxy is
 * the edge.
 */
const trustedPeers = new Set(
  (process.env.FERRY_PROXY_TRUSTED ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean),
);

/**
 * Request headers for the upstream: end-to-end fields of the client's request plus X-Forwarded-*. The client's
 * own X-Forwarded-For is kept but the real peer address is appended (the upstream trusts the last entry);
 * X-Forwarded-Proto and -Host come from the connection, unless the peer is trusted.
 */
export function upstreamRequestHeaders(req: IncomingMessage, options: { upgrade?: boolean } = {}): OutgoingHttpHeaders {
  const named = connectionTokens(req.headers.connection);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || hopByHop.has(name) || named.has(name)) continue;
    headers[name] = value;
  }
  // A chunked request body stays chunked upstream (Node frames it; bodies of DELETE/OPTIONS included).
  if (/chunked/i.test(String(req.headers['transfer-encoding'] ?? '')) && req.headers['content-length'] === undefined)
    headers['transfer-encoding'] = 'chunked';
  const clientIp = req.socket.remoteAddress ?? '';
  const forwardedFor = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor
    ? `${Array.isArray(forwardedFor) ? forwardedFor.join(', ') : forwardedFor}, ${clientIp}`
    : clientIp;
  const trusted = isTrusted(clientIp);
  if (!trusted) {
    headers['x-forwarded-proto'] = 'encrypted' in req.socket ? 'https' : 'http';
    delete headers['x-forwarded-host'];
    delete headers.forwarded;
  }
  headers['x-forwarded-proto'] ??= 'http';
  if (req.headers.host !== undefined) headers['x-forwarded-host'] ??= req.headers.host;
  if (options.upgrade && req.headers.upgrade !== undefined) {
    headers.connection = 'upgrade';
    headers.upgrade = req.headers.upgrade;
  }
  return headers;
}

function isTrusted(clientIp: string): boolean {
  return trustedPeers.size > 0 && (trustedPeers.has(clientIp) || trustedPeers.has(clientIp.replace(/^::ffff:/, '')));
}

/**
 * The upstream request head of the lean forwarder, as upstreamRequestHeaders builds it for Node's client: the
 * request line, end-to-end fields as sent (casing and repeats kept), X-Forwarded-*; HTTP/1.1 keep-alive.
 */
export function upstreamRequestHead(head: RequestHead, clientIp: string, encrypted: boolean): string {
  const trusted = isTrusted(clientIp);
  let text = `${head.method} ${head.target} HTTP/1.1\r\n`;
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  for (const [name, value] of head.fields) {
    const lower = name.toLowerCase();
    if (hopByHop.has(lower) || head.connection.has(lower)) continue;
    if (lower === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
    else if (lower === 'x-forwarded-proto') forwardedProto ??= value;
    else if (lower === 'x-forwarded-host') forwardedHost ??= value;
    else if (lower !== 'forwarded' || trusted) text += `${name}: ${value}\r\n`;
  }
  if (!trusted) {
    forwardedProto = encrypted ? 'https' : 'http';
    forwardedHost = undefined;
  }
  forwardedHost ??= head.host;
  text += `x-forwarded-for: ${forwardedFor ? `${forwardedFor}, ${clientIp}` : clientIp}\r\n`;
  text += `x-forwarded-proto: ${forwardedProto ?? 'http'}\r\n`;
  if (forwardedHost !== undefined) text += `x-forwarded-host: ${forwardedHost}\r\n`;
  return `${text}\r\n`;
}

/**
 * Response headers for the client as a flat raw list (keeps the upstream's casing and repeated fields such
 * as Set-Cookie), without hop-by-hop fields, plus the proxy's own `extra` fields.
 */
export function clientResponseHeaders(rawHeaders: readonly string[], extra: Record<string, string>): string[] {
  const named = new Set<string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === 'connection')
      for (const token of connectionTokens(rawHeaders[i + 1])) named.add(token);
  }
  const extraNames = new Set(Object.keys(extra).map((name) => name.toLowerCase()));
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (hopByHop.has(lower) || named.has(lower) || extraNames.has(lower)) continue;
    out.push(name, rawHeaders[i + 1] ?? '');
  }
  for (const [name, value] of Object.entries(extra)) out.push(name, value);
  return out;
}

/** Value of one cookie in a Cookie header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
  }
  return undefined;
}
