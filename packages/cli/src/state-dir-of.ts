import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from './cli-io.js';

/** Deploy state lives per engine, not per checkout: `--state-dir`, else $FERRY_STATE_DIR, else ~/.ferry. */
export function stateDirOf(io: CliIO, option: string | undefined): string {
  return option ?? io.env.FERRY_STATE_DIR ?? join(homedir(), '.ferry');
}
