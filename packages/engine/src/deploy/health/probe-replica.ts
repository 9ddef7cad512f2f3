import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheck, Replica } from '../deploy-types.js';
import type { Provider } from '../provider.js';

export interface ProbeResult {
  ok: boolean;
  /** What the check saw: a status line, an error, or the command's output. */
  output: string;
}

/**
 * One health check. HTTP and TCP checks go from the host to the replica's published 127.0.0.1 port, so they
 * test the path traffic takes; `cmd` runs inside the replica.
 */
export async function probeReplica(replica: Replica, health: HealthCheck, provider: Provider): Promise<ProbeResult> {
  const [host = '127.0.0.1', portText = '0'] = replica.address.split(':');
  const port = Number(portText);
  switch (health.probe.kind) {
    case 'none':
      return { ok: true, output: 'no check' };
    case 'tcp':
      return probeTcp(host, port, health.timeoutMs);
    case 'http':
      return probeHttp(host, port, health.probe.path, health.probe.expect, health.timeoutMs);
    case 'cmd': {
      const result = await provider
        .exec(replica, health.probe.command, health.timeoutMs)
        .catch((error: Error) => ({ exitCode: -1, output: error.message }));
      return { ok: result.exitCode === 0, output: result.output.trim().slice(-500) || `exit ${result.exitCode}` };
    }
  }
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ ok: false, output: `tcp ${port}: no connection within ${timeoutMs} ms` }),
    );
    socket.once('connect', () => done({ ok: true, output: `tcp ${port}: connected` }));
    socket.once('error', (error) => done({ ok: false, output: `tcp ${port}: ${error.message}` }));
  });
}

function probeHttp(
  host: string,
  port: number,
  path: string,
  expect: number | undefined,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request(
      {
        host,
        port,
        path,
        method: 'GET',
        timeout: timeoutMs,
        agent: false,
        headers: { 'user-agent': 'ferry-health', connection: 'close' },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 200) body += chunk;
        });
        res.on('end', () => {
          const ok = expect !== undefined ? status === expect : status >= 200 && status < 400;
          resolve({ ok, output: `GET ${path} → ${status}${body.trim() ? ` ${body.trim().slice(0, 200)}` : ''}` });
        });
        res.on('error', (error) => resolve({ ok: false, output: `GET ${path}: ${error.message}` }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, output: `GET ${path}: ${error.message}` }));
    req.end();
  });
}
