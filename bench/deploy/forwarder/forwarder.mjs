// A naive round-robin TCP forwarder standing in for Swarm's routing mesh (which needs IPVS, absent here):
// resolves tasks.<service> through Docker's embedded DNS every 200 ms and hands each new connection to the
// next task IP. No health checks and no retries: a connection sent to a task that is stopping (still in DNS
// for up to 200 ms, or refusing before it leaves) fails, as it would for a user of Swarm's dnsrr mode.
// Logs one line per upstream error ("upstream-error <ip> <code>") so the bench can attribute failures.
import { promises as dns } from 'node:dns';
import { connect, createServer } from 'node:net';

const target = process.env.TARGET;
const targetPort = Number(process.env.TARGET_PORT ?? 8080);
let ips = [];
let next = 0;

async function refresh() {
  try {
    ips = (await dns.resolve4(target)).sort();
  } catch {
    ips = [];
  }
}
await refresh();
setInterval(refresh, 200);

createServer((client) => {
  if (ips.length === 0) {
    console.log('upstream-error none NO_TASKS');
    client.destroy();
    return;
  }
  const ip = ips[next++ % ips.length];
  const upstream = connect(targetPort, ip);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('error', (error) => {
    console.log(`upstream-error ${ip} ${error.code ?? error.message}`);
    close();
  });
  client.on('error', close);
  client.pipe(upstream);
  upstream.pipe(client);
}).listen(8080, () => console.log(`forwarding :8080 to ${target}:${targetPort} (${ips.length} tasks)`));
process.on('SIGTERM', () => process.exit(0));
