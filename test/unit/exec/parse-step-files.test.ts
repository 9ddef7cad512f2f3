import { describe, expect, it } from 'vitest';
import { parseStepFiles } from '../../../packages/engine/src/exec/parse-step-files.js';
import { shellArgv, shellProgram } from '../../../packages/engine/src/exec/shell-argv.js';

describe('parseStepFiles', () => {
  it('reads outputs, env (with name<<DELIMITER) and path lines', () => {
    expect(
      parseStepFiles({
        output: 'v=1\n',
        env: 'A=1\r\nB<<EOF\nline 1\nline 2\nEOF\nA=2\n',
        path: '/opt/a\n\n  \r\n/opt/b\r\n',
      }),
    ).toEqual({ outputs: { v: '1' }, env: { A: '2', B: 'line 1\nline 2' }, path: ['/opt/a', '/opt/b'], issues: [] });
  });

  it('takes absent files as empty', () => {
    expect(parseStepFiles({})).toEqual({ outputs: {}, env: {}, path: [], issues: [] });
  });

  it('refuses env names that are not variable names, and the variables Ferry sets per step', () => {
    const parsed = parseStepFiles({
      env: 'my-var=1\nFERRY_OUTPUT=/x\nGITHUB_PATH=/y\nFERRY_STEP_ID=1\nPATH=/bin\n__proto__=z\n',
      output: 'bad name=1\nmy-output=2\n',
    });
    expect(parsed.outputs).toEqual({ 'my-output': '2' });
    expect(Object.getPrototypeOf(parsed.env)).toBe(Object.prototype);
    expect(Object.keys(parsed.env).sort()).toEqual(['PATH', '__proto__']);
    expect(parsed.issues).toEqual([
      'ferry: $FERRY_OUTPUT line 1: "bad name" is not an output name (letters, digits, _ and -; not starting with a digit or -)',
      'ferry: $FERRY_ENV line 1: "my-var" is not an environment variable name (letters, digits and _; not starting with a digit)',
      'ferry: $FERRY_ENV cannot set FERRY_OUTPUT; Ferry sets it for each step',
      'ferry: $FERRY_ENV cannot set GITHUB_PATH; Ferry sets it for each step',
      'ferry: $FERRY_ENV cannot set FERRY_STEP_ID; Ferry sets it for each step',
    ]);
  });
});

describe('shellArgv', () => {
  it('splits the command line on whitespace and puts the script file in place of {0}', () => {
    expect(shellArgv('bash --noprofile --norc -eo pipefail {0}', '/tmp/s')).toEqual([
      'bash',
      '--noprofile',
      '--norc',
      '-eo',
      'pipefail',
      '/tmp/s',
    ]);
    expect(shellArgv('  node\t--enable-source-maps   {0} ', '/f')).toEqual(['node', '--enable-source-maps', '/f']);
    expect(shellProgram(' /usr/bin/env  bash {0}')).toBe('/usr/bin/env');
  });
});
