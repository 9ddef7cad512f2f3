// The demo's service: slugify over HTTP. VERSION names the release; BREAK=health makes /healthz fail (the bad v3).
import { createServer } from 'node:http';
import { slugify } from './dist/slug.js';

const version = process.env.VERSION ?? 'dev';
const broken = process.env.BREAK === 'health';

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://demo');
  if (url.pathname === '/healthz') {
    res.writeHead(broken ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(broken ? 'broken on purpose\n' : 'ok\n');
  } else if (url.pathname === '/version') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${version}\n`);
  } else {
    const slug = slugify(url.searchParams.get('text') ?? 'Ferry ships containers');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify({ version, slug })}\n`);
  }
}).listen(8080);
