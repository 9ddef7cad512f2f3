import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ferry, tempRepo } from '../helpers/ferry-cli.js';

// A branch name git accepts (check-ref-format allows $, ( and {) that is shell code once pasted into a script.
const hostileBranch = 'x$(touch${IFS}pwned)';

const pipeline = (run: string, env = '') => `jobs:
  show:
    image: ferry/busybox:1
    steps:
      - name: show the branch${env}
        run: |
          ${run}
          if [ -e pwned ]; then echo INJECTED; else echo CLEAN; fi
`;

async function onHostileBranch(files: Record<string, string>): Promise<string> {
  const dir = await tempRepo(files);
  await execa('git', ['checkout', '-q', '-b', hostileBranch], { cwd: dir });
  return dir;
}

describe('expression injection into run:', () => {
  it('ferry validate warns at the position with the fix, --strict fails, and the env: fix stops the injection', async () => {
    const unsafe = await onHostileBranch({ 'ferry.yml': pipeline('echo "building ${{ git.branch }}"') });
    const validated = await ferry(['validate'], unsafe);
    expect(validated.exitCode).toBe(0);
    expect(validated.stderr).toContain('ferry.yml:7:30 warning SPEC_SHELL_INJECTION jobs.show.steps[0].run');
    expect(validated.stderr).toContain('pass it through env: (BRANCH: ${{ git.branch }}) and use "$BRANCH"');
    const strict = await ferry(['validate', '--strict'], unsafe);
    expect(strict.exitCode).toBe(2);
    expect(strict.all).toContain('SPEC_SHELL_INJECTION');
    expect(strict.all).not.toMatch(/\n\s+at /);

    // What the warning is about: the pushed name runs as a command inside the job.
    const ran = await ferry(['run'], unsafe);
    expect(ran.exitCode, ran.all).toBe(0);
    expect(ran.stderr).toContain('SPEC_SHELL_INJECTION');
    expect(ran.stdout).toContain('INJECTED');

    const safe = await onHostileBranch({
      'ferry.yml': pipeline('echo "building $BRANCH"', '\n        env:\n          BRANCH: ${{ git.branch }}'),
    });
    const quiet = await ferry(['validate', '--strict'], safe);
    expect(quiet.exitCode, quiet.all).toBe(0);
    expect(quiet.stderr).toBe('');
    const safeRun = await ferry(['run'], safe);
    expect(safeRun.exitCode, safeRun.all).toBe(0);
    expect(safeRun.stdout).toContain(`building ${hostileBranch}`);
    expect(safeRun.stdout).toContain('CLEAN');
    expect(safeRun.stdout).not.toContain('INJECTED');
  });
});
