#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import Docker from 'dockerode';
import { isFerryError, type FerryError } from '@ferry/engine';
import type { CliIO } from './cli-io.js';
import { exitCodeOf, exitCodes } from './exit-codes.js';
import { artifactsCommand } from './commands/artifacts.js';
import {
  canaryActionCommand,
  deployCommand,
  historyCommand,
  removeServiceCommand,
  rollbackCommand,
  scaleCommand,
  statusCommand,
} from './commands/deploy.js';
import { gcCommand } from './commands/gc.js';
import { importCommand, type ImportOptions } from './commands/import.js';
import { initCommand, type InitOptions } from './commands/init.js';
import { proxyCommand, type ProxyCommandOptions } from './commands/proxy.js';
import { planCommand, validateCommand, type PlanOptions } from './commands/plan.js';
import { runCommand, type RunOptions } from './commands/run.js';
import { logsCommand, runsCommand } from './commands/runs.js';
import { registerCancelCommand } from './commands/cancel.js';
import { registerEnqueueCommand } from './commands/enqueue.js';
import { queueRunsCommand } from './commands/queue-runs.js';
import { registerRunnerCommand } from './commands/runner.js';
import { registerRunnersCommand } from './commands/runners.js';
import { registerServeCommand } from './commands/serve.js';

/** What commander parses for `run` and `deploy` (the workspace is added from the CLI's cwd). */
type RunCommandOptions = Omit<RunOptions, 'workspace' | 'deployOnly'>;
/** `--state-dir`, shared by the deploy-state commands. */
interface StateDirOptions {
  stateDir?: string;
}

/** Composition root: the only place that reads process.env and creates the Docker client. */
async function main(argv: string[]): Promise<number> {
  const io: CliIO = {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  };
  let docker: Docker | undefined;
  const getDocker = () => (docker ??= new Docker());
  let exitCode: number = exitCodes.ok;
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const workspace = () => io.cwd;

  const program = new Command('ferry')
    .description('Self-hosted CI/CD: pipelines in containers, safe deploys built in')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (text) => io.stderr.write(text) });

  /** Options shared by `run` and `deploy`, which runs the deploy jobs (and their needs) the same way. */
  const withRunOptions = (command: Command) =>
    command
      .option('-c, --concurrency <n>', 'jobs to run at once', '4')
      .option('-e, --env <K=V>', 'set a pipeline env value (repeatable)', collect, [])
      .option('--json', 'print the event stream as JSON lines')
      .option('--secrets-file <path>', 'dotenv file with secret values (wins over the environment)')
      .option('--memory <size>', 'memory limit for jobs that set none (e.g. 2g)')
      .option('--cpus <n>', 'CPU limit for jobs that set none (e.g. 1.5)')
      .option('--pids <n>', 'process limit for jobs that set none', '4096')
      .option('--allow-privileged', 'let jobs ask for privileged: true')
      .option(
        '--image <tool=image>',
        'for a GitHub or GitLab file: the image for a tool (repeatable; docs/import.md)',
        collect,
      )
      .option(
        '--actions-dir <dir>',
        'for a GitHub file: where actions the repository does not vendor are found (default $FERRY_ACTIONS_DIR)',
      )
      .option('--allow-docker', 'let jobs ask for docker: true (a Docker daemon of their own, in a sidecar)')
      .option('--docker-socket <mode>', "with --allow-docker: host gives docker: true jobs the host's socket instead")
      .option('--cache-dir <dir>', 'where caches are kept (default .ferry/cache)')
      .option('--cache-max-size <size>', 'evict least recently used caches past this size', '5g')
      .option(
        '--changed-since <ref>',
        'jobs with changes: run only if HEAD and the working tree changed a matching file since ref (e.g. origin/main)',
      )
      .option(
        '--state-dir <dir>',
        'deploy state: revisions, journals, the proxy (default $FERRY_STATE_DIR or ~/.ferry)',
      );

  withRunOptions(
    program
      .command('run [file]')
      .description('run a pipeline on the local Docker engine (default: ferry.yml, .ferry.yml, pipelines/ferry.yml)')
      .option('-j, --job <id>', 'run only this job and what it needs (repeatable)', collect),
  ).action(async (file: string | undefined, options: RunCommandOptions) => {
    exitCode = await runCommand(io, getDocker(), file, { ...options, workspace: workspace() });
  });

  program
    .command('import <files...>')
    .description(
      'translate GitHub Actions workflows or GitLab CI files into a Ferry pipeline (exit 0 valid, 3 something dropped, 2 not valid)',
    )
    .option('-o, --out <file>', 'where to write it (default ferry.yml)')
    .option('--stdout', 'print the pipeline instead of writing it')
    .option('-f, --force', 'overwrite an existing file')
    .option(
      '--image <tool=image>',
      'the image for a tool, e.g. node=ferry/node:20 (repeatable; docs/import.md)',
      collect,
    )
    .option(
      '--actions-dir <dir>',
      'where actions the repository does not vendor are found (default $FERRY_ACTIONS_DIR)',
    )
    .action((files: string[], options: ImportOptions) => {
      exitCode = importCommand(io, files, options);
    });

  program
    .command('init')
    .description('write a starter ferry.yml for this repository from what is in it (Node, Go, Python, Dockerfile)')
    .option('-f, --force', 'overwrite an existing pipeline file')
    .option('--stdout', 'print the starter pipeline instead of writing it')
    .action((options: InitOptions) => {
      exitCode = initCommand(io, options);
    });

  program
    .command('plan [file]')
    .description('print the plan (the DAG of jobs) and its hash')
    .option('--json', 'as JSON')
    .option('--mermaid', 'as a Mermaid graph')
    .option('-j, --job <id>', 'only this job and what it needs (repeatable)', collect)
    .option('-e, --env <K=V>', 'set a pipeline env value (repeatable)', collect, [])
    .option('--image <tool=image>', 'for a GitHub or GitLab file: the image for a tool (repeatable)', collect)
    .option('--actions-dir <dir>', 'for a GitHub file: where actions the repository does not vendor are found')
    .option(
      '--changed-since <ref>',
      'decide changes: conditions against what changed since ref (default: not compared)',
    )
    .action(async (file: string | undefined, options: Omit<PlanOptions, 'workspace'>) => {
      exitCode = await planCommand(io, file, { ...options, workspace: workspace() });
    });

  program
    .command('validate [file]')
    .description('check a pipeline file without running it')
    .option('--strict', 'fail (exit 2) on warnings too, such as a pushed branch name pasted into a run: script')
    .option('--image <tool=image>', 'for a GitHub or GitLab file: the image for a tool (repeatable)', collect)
    .option('--actions-dir <dir>', 'for a GitHub file: where actions the repository does not vendor are found')
    .action(async (file: string | undefined, options: { strict?: boolean; image?: string[]; actionsDir?: string }) => {
      exitCode = await validateCommand(io, file, {
        workspace: workspace(),
        ...(options.image ? { image: options.image } : {}),
        ...(options.actionsDir !== undefined ? { actionsDir: options.actionsDir } : {}),
        ...(options.strict ? { strict: true } : {}),
      });
    });

  program
    .command('runs')
    .description('list the runs recorded in this directory (with --redis: the runs in the queue)')
    .option('--json', 'as JSON')
    .option('--redis [url]', "list the queue's runs instead (default: $FERRY_REDIS_URL, then redis://127.0.0.1:6379)")
    .option('--limit <n>', 'with --redis: at most this many, newest first', '50')
    .action(async (options: { json?: boolean; redis?: string | true; limit: string }) => {
      if (options.redis !== undefined)
        exitCode = await queueRunsCommand(io, {
          ...options,
          redis: options.redis === true ? undefined : options.redis,
        });
      else exitCode = runsCommand(io, { ...options, workspace: workspace() });
    });

  // Queue commands (each takes --redis <url>): defined beside their implementations.
  const queueCli = { io, getDocker, setExitCode: (code: number) => void (exitCode = code) };
  for (const register of [
    registerEnqueueCommand,
    registerRunnerCommand,
    registerCancelCommand,
    registerRunnersCommand,
    registerServeCommand,
  ])
    register(program, queueCli);

  program
    .command('logs <run> [job]')
    .description('print the logs of a run (an id, a unique prefix, or "last"), or of one of its jobs')
    .action((run: string, job: string | undefined) => {
      exitCode = logsCommand(io, run, job, { workspace: workspace() });
    });

  program
    .command('artifacts <run>')
    .description('list the artifacts of a run, or extract them')
    .option('-x, --extract <dir>', 'extract every archive into this directory')
    .option('-j, --job <id>', "only this job's artifacts")
    .action(async (run: string, options: { extract?: string; job?: string }) => {
      exitCode = await artifactsCommand(io, run, { ...options, workspace: workspace() });
    });

  withRunOptions(
    program
      .command('deploy [file]')
      .description("run the pipeline's deploy jobs (and the jobs they need): rolling updates with automatic rollback")
      .option('-s, --service <name>', 'deploy only this service (repeatable)', collect),
  ).action(async (file: string | undefined, options: RunCommandOptions & { service?: string[] }) => {
    exitCode = await deployCommand(io, getDocker(), file, { ...options, workspace: workspace() });
  });

  program
    .command('rollback <service>')
    .description('bring back an earlier revision (default: the one before the active one), health-gated')
    .option('--to <revision>', 'the revision number (see ferry history)')
    .option('--state-dir <dir>', 'deploy state (default $FERRY_STATE_DIR or ~/.ferry)')
    .action(async (service: string, options: StateDirOptions & { to?: string }) => {
      exitCode = await rollbackCommand(io, getDocker(), service, options);
    });

  for (const action of ['promote', 'abort'] as const) {
    program
      .command(`${action} <service>`)
      .description(
        action === 'promote'
          ? 'end the current canary step now (and a pause: {} step)'
          : 'abort the canary: weight 0 at once, canary replicas removed',
      )
      .option('--state-dir <dir>', 'deploy state (default $FERRY_STATE_DIR or ~/.ferry)')
      .action((service: string, options: StateDirOptions) => {
        exitCode = canaryActionCommand(io, action, service, options);
      });
  }

  program
    .command('scale <service> <replicas>')
    .description('change the replica count of the active revision, health-gated, without a new revision')
    .option('--state-dir <dir>', 'deploy state (default $FERRY_STATE_DIR or ~/.ferry)')
    .action(async (service: string, replicas: string, options: StateDirOptions) => {
      exitCode = await scaleCommand(io, getDocker(), service, replicas, options);
    });

  program
    .command('remove <service>')
    .description('undeploy a service: out of the proxy, its replicas removed, its revisions forgotten')
    .option('--state-dir <dir>', 'deploy state (default $FERRY_STATE_DIR or ~/.ferry)')
    .action(async (service: string, options: StateDirOptions) => {
      exitCode = await removeServiceCommand(io, getDocker(), service, options);
    });

  program
    .command('status [service]')
    .description('deployed services: replicas, revisions, what is in rotation, the last outcome')
    .option('--json', 'as JSON')
    .option('--state-dir <dir>', 'deploy state (default $FERRY_STATE_DIR or ~/.ferry)')
    .action(async (service: string | undefined, options: StateDirOptions & { json?: boolean }) => {
      exitCode = await statusCommand(io, getDocker(), service, options);
    });

  program
    .command('history <service>')
    .description('the kept revisions of a service')
    .option('--state-dir <dir>', 'deploy state (default $FERRY_STATE_DIR or ~/.ferry)')
    .action((service: string, options: StateDirOptions) => {
      exitCode = historyCommand(io, service, options);
    });

  program
    .command('proxy')
    .description('run the Ferry service proxy in the foreground (ferry deploy starts it when none runs)')
    .requiredOption('--state-dir <dir>', 'its routing table, token and log')
    .option('--admin-port <port>', 'admin API port on 127.0.0.1 (0 = any free port)')
    .option('--deploy-state <dir>', 'also heal the services deployed from this state dir between deploys')
    .action(async (options: ProxyCommandOptions) => {
      exitCode = await proxyCommand(io, options, getDocker);
    });

  program
    .command('gc')
    .description('remove containers, networks and volumes left by runs whose process is gone')
    .option('--all', 'remove those of every run, also live ones')
    .action(async (options: { all?: boolean }) => {
      exitCode = await gcCommand(io, getDocker(), options);
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : exitCodes.invalid;
    if (isFerryError(error)) {
      io.stderr.write(`${describeError(error)}\n`);
      return exitCodeOf(error.code);
    }
    io.stderr.write(
      `internal error (please report): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return exitCodes.failed;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`internal error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);

/** How an error meets the user: its diagnostics (each naming place and code), a usage line as is, else `CODE: message`. */
function describeError(error: FerryError): string {
  if (error.diagnostics && error.diagnostics.length > 0) return error.diagnostics.join('\n');
  return error.code === 'CLI_USAGE' ? error.message : `${error.code}: ${error.message}`;
}
