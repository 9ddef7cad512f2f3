import type Docker from 'dockerode';
import {
  deployFailure,
  DockerProvider,
  FerryError,
  formatMs,
  removeService,
  requestCanaryAction,
  rollBackService,
  scaleService,
  ServiceState,
  systemClock,
} from '@ferry/engine';
import type { OperationDeps } from '@ferry/engine';
import type { CliIO } from '../cli-io.js';
import { exitCodes } from '../exit-codes.js';
import { loadPlan } from '../load-plan.js';
import { connectProxy } from '../connect-proxy.js';
import { stateDirOf } from '../state-dir-of.js';
import type { RunOptions } from './run.js';
import { runCommand } from './run.js';

/** `ferry deploy [file] [--service s]`: the pipeline's deploy jobs and what they need, nothing else. */
export async function deployCommand(
  io: CliIO,
  docker: Docker,
  file: string | undefined,
  options: RunOptions & { service?: string[] },
): Promise<number> {
  const { plan } = await loadPlan(io, file, { workspace: options.workspace, withoutSecrets: true });
  const deployJobs = plan.jobs.filter(
    (job) =>
      job.kind === 'deploy' &&
      (!options.service || job.deploy?.services.some((name) => options.service?.includes(name))),
  );
  if (deployJobs.length === 0) {
    throw new FerryError(
      'CLI_USAGE',
      options.service
        ? `no deploy job of ${plan.file} deploys ${options.service.join(', ')}`
        : `${plan.file} has no deploy job`,
    );
  }
  return runCommand(io, docker, file, {
    ...options,
    job: [...new Set(deployJobs.map((job) => job.jobId))],
    deployOnly: options.service,
  });
}

/** The deploy operations' dependencies as the CLI provides them: Docker, and the proxy started on demand. */
function operationDeps(io: CliIO, docker: Docker, stateDir: string): OperationDeps {
  return {
    stateDir,
    provider: new DockerProvider(docker),
    router: () => connectProxy(io, stateDir),
    clock: systemClock,
    log: (line) => io.stdout.write(`${line}\n`),
  };
}

/** `ferry rollback <service> [--to N]`: back to revision N (default: the one before the active one), health-gated. */
export async function rollbackCommand(
  io: CliIO,
  docker: Docker,
  name: string,
  options: { to?: string; stateDir?: string },
): Promise<number> {
  const to = options.to === undefined ? undefined : Number(options.to);
  if (to !== undefined && !Number.isInteger(to))
    throw new FerryError('CLI_USAGE', `ferry rollback ${name} --to ${options.to}: expected a revision number`);
  const stateDir = stateDirOf(io, options.stateDir);
  const result = await rollBackService(name, operationDeps(io, docker, stateDir), {
    to,
    deployId: `rollback-${Date.now().toString(36)}`,
  });
  const failure = deployFailure(name, result);
  if (failure) throw failure;
  io.stdout.write(`${result.message}\n`);
  return exitCodes.ok;
}

/** `ferry status [service]`: replicas, revisions, health as the proxy sees it, and the last outcome. */
export async function statusCommand(
  io: CliIO,
  docker: Docker,
  name: string | undefined,
  options: { stateDir?: string; json?: boolean },
): Promise<number> {
  const stateDir = stateDirOf(io, options.stateDir);
  const names = name ? [name] : ServiceState.services(stateDir);
  if (names.length === 0) {
    io.stdout.write(`no services deployed (state in ${stateDir})\n`);
    return 0;
  }
  const provider = new DockerProvider(docker);
  const statuses = [];
  for (const service of names) {
    const state = new ServiceState(stateDir, service);
    const journal = state.journal();
    if (!journal)
      throw new FerryError('DEPLOY_NOT_FOUND', `service "${service}" has never been deployed (state in ${stateDir})`);
    const revision = state.revisions().find((r) => r.number === journal.active);
    const replicas = await provider.list(service);
    let routed: string[] = [];
    if (revision?.service.publish !== undefined)
      routed = await (await connectProxy(io, stateDir)).backends(service).catch(() => []);
    statuses.push({
      service,
      journal,
      revision,
      replicas: replicas.map((r) => ({ ...r, admitted: routed.includes(r.id) })),
    });
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
    return 0;
  }
  for (const { service, journal, revision, replicas } of statuses) {
    const publish = revision?.service.publish !== undefined ? ` · 127.0.0.1:${revision.service.publish}` : '';
    io.stdout.write(
      `${service}${publish} · ${journal.phase} · revision ${journal.active ?? '-'}${revision ? ` (${revision.image})` : ''}\n`,
    );
    if (journal.phase === 'canary' && journal.canary) {
      const left =
        journal.canary.deadline !== undefined
          ? `, ${Math.max(0, Math.round((journal.canary.deadline - Date.now()) / 1000))}s left`
          : ', waiting for ferry promote';
      io.stdout.write(
        `  canary: revision ${journal.target} at weight ${journal.canary.weight}% (step ${journal.canary.step + 1}${left})\n`,
      );
    }
    for (const replica of replicas) {
      io.stdout.write(
        `  ${replica.name}  r${replica.revision}  ${replica.running ? 'running' : 'stopped'}${replica.admitted ? ', in rotation' : ''}  ${replica.address}\n`,
      );
    }
    if (journal.lastHeal)
      io.stdout.write(`  healed ${formatMs(Date.now() - journal.lastHeal.at)} ago: ${journal.lastHeal.message}\n`);
    if (journal.outcome)
      io.stdout.write(
        `  last: ${journal.outcome.status} ${formatMs(Date.now() - journal.outcome.at)} ago: ${journal.outcome.message}\n`,
      );
  }
  return 0;
}

/** `ferry history <service>`: the kept revisions, newest last, with the active one marked. */
export function historyCommand(io: CliIO, name: string, options: { stateDir?: string }): number {
  const stateDir = stateDirOf(io, options.stateDir);
  const state = new ServiceState(stateDir, name);
  const revisions = state.revisions();
  if (revisions.length === 0)
    throw new FerryError('DEPLOY_NOT_FOUND', `service "${name}" has never been deployed (state in ${stateDir})`);
  const active = state.journal()?.active;
  for (const revision of revisions) {
    const when = new Date(revision.createdAt).toISOString().replace('T', ' ').slice(0, 19);
    io.stdout.write(
      `${revision.number === active ? '*' : ' '} ${String(revision.number).padStart(3)}  ${when}  ${(revision.outcome ?? '').padEnd(11)} ${revision.image}\n`,
    );
  }
  return 0;
}

/** `ferry promote <service>` / `ferry abort <service>`: a request the running canary picks up within ~50 ms. */
export function canaryActionCommand(
  io: CliIO,
  action: 'promote' | 'abort',
  name: string,
  options: { stateDir?: string },
): number {
  const journal = requestCanaryAction(name, action, stateDirOf(io, options.stateDir));
  io.stdout.write(
    `${action} requested for the canary of ${name} (revision ${journal.target}, step ${(journal.canary?.step ?? 0) + 1})\n`,
  );
  return 0;
}

/** `ferry scale <service> <n>`: the active revision at another replica count, health-gated, no new revision. */
export async function scaleCommand(
  io: CliIO,
  docker: Docker,
  name: string,
  count: string,
  options: { stateDir?: string },
): Promise<number> {
  const replicas = Number(count);
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new FerryError('CLI_USAGE', `ferry scale ${name} ${count}: expected a whole number of replicas`);
  const stateDir = stateDirOf(io, options.stateDir);
  const result = await scaleService(name, replicas, operationDeps(io, docker, stateDir), {
    deployId: `scale-${Date.now().toString(36)}`,
  });
  const failure = deployFailure(name, result);
  if (failure) throw failure;
  io.stdout.write(`${name}: ${replicas} replicas of revision ${result.revision}\n`);
  return exitCodes.ok;
}

/** `ferry remove <service>`: takes the service out of the proxy, removes its replicas and forgets its state. */
export async function removeServiceCommand(
  io: CliIO,
  docker: Docker,
  name: string,
  options: { stateDir?: string },
): Promise<number> {
  const { removed } = await removeService(name, operationDeps(io, docker, stateDirOf(io, options.stateDir)));
  io.stdout.write(`${name}: removed ${removed} replicas and its route; its revisions are forgotten\n`);
  return exitCodes.ok;
}
