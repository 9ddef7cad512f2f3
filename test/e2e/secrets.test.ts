import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ferry, tempRepo } from '../helpers/ferry-cli.js';

const secret = 'split-s3cr3t-Value-42';
const pipeline = `secrets: [API_TOKEN]
jobs:
  leak:
    image: ferry/busybox:1
    steps:
      - run: echo "token is $API_TOKEN"
      - name: split across output chunks
        run: printf 'late %s' "\${API_TOKEN%%-*}"; sleep 0.3; printf -- '-%s\\n' "\${API_TOKEN#*-}"
      - run: echo "rendered \${{ secrets.API_TOKEN }}"; printf '%s' "$API_TOKEN" | base64
      - name: split over two lines
        run: echo "\${API_TOKEN:0:8}"; echo "\${API_TOKEN:8}"
      - run: echo "ok=$API_TOKEN" >> $FERRY_OUTPUT; exit 1
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('secrets', () => {
  it('never shows or stores a secret value, in any form the step prints it', async () => {
    const dir = await tempRepo({ 'ferry.yml': pipeline });
    const result = await ferry(['run'], dir, { API_TOKEN: secret });
    expect(result.exitCode).toBe(1);
    expect(result.all).not.toContain(secret);
    expect(result.all).not.toContain(Buffer.from(secret).toString('base64'));
    expect(result.all).toContain('[leak/1] token is ***');
    expect(result.all).toContain('[leak/2] late ***');
    expect(result.all).toContain('[leak/3] rendered ***');
    expect(result.all).toContain('[leak/4] ***\n');
    expect(result.all).not.toContain(secret.slice(0, 8));
    expect(result.all).not.toContain(secret.slice(8));
    const stored = filesUnder(join(dir, '.ferry'));
    expect(stored.length).toBeGreaterThan(3);
    for (const file of stored) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
    const json = await ferry(['run', '--json'], dir, { API_TOKEN: secret });
    expect(json.stdout).not.toContain(secret);
    expect(json.stdout).toContain('"ok":"***"');
  });

  it('refuses to start when a declared secret is missing, and reads a secrets file', async () => {
    const dir = await tempRepo({ 'ferry.yml': pipeline.replace('; exit 1', '') });
    const missing = await ferry(['run'], dir);
    expect(missing.exitCode).toBe(2);
    expect(missing.all).toMatch(
      /^ferry\.yml:1:1 RUN_SECRET_MISSING secrets: secret API_TOKEN \(needed by leak\) is not set/m,
    );
    writeFileSync(join(dir, 'secrets.env'), `API_TOKEN="${secret}"\n`);
    const fromFile = await ferry(['run', '--secrets-file', 'secrets.env'], dir);
    expect(fromFile.exitCode, fromFile.all).toBe(0);
    expect(fromFile.all).toContain('token is ***');
  });
});
