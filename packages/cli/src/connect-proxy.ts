import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureProxy } from '@ferry/engine';
import type { TrafficRouter } from '@ferry/engine';
import type { CliIO } from './cli-io.js';

/** The Ferry proxy of this state dir: connects to the running one, or starts `ferry proxy` detached. */
export async function connectProxy(_io: CliIO, stateDir: string): Promise<TrafficRouter> {
  const proxyDir = join(stateDir, 'proxy');
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  return ensureProxy({
    stateDir: proxyDir,
    command: [process.execPath, main, 'proxy', '--state-dir', proxyDir, '--deploy-state', stateDir],
  });
}
