import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { FerryError } from '../errors.js';
import { renderTemplate } from '../expr/index.js';
import type { JobRun } from '../plan/plan-types.js';
import type { JobHandler, JobHandlerContext, JobHandlerResult } from '../run/job-handler.js';
import type { Provider } from './provider.js';
import { deployFailure, noRouter } from './deploy-operations.js';
import { resolveService } from './resolve-service.js';
import { rollOut } from './roll-out.js';
import { ServiceState } from './state/service-state.js';
import type { TrafficRouter } from './traffic-router.js';

export interface DeployHandlerOptions {
  provider: Provider;
  /** Created on first use, so a pipeline without published services never starts a proxy. */
  router: () => Promise<TrafficRouter>;
  /** Deploy state (journals, revisions, locks), per engine: `~/.ferry` or `--state-dir`. */
  stateDir: string;
  clock?: Clock;
  /** Deploy only these services (`ferry deploy --service`); the job's others are skipped, with a line saying so. */
  only?: string[];
}

/**
 * Runs `deploy` jobs: each listed service in order, each by its own strategy. The next starts only after the
 * previous one finished well; after a failure the rest are not touched, and the job says so.
 */
export class DeployHandler implements JobHandler {
  #router: Promise<TrafficRouter> | undefined;

  constructor(private readonly options: DeployHandlerOptions) {}

  stepName(job: JobRun): string {
    return `deploy ${(job.deploy?.services ?? []).join(', ')}`;
  }

  async run(job: JobRun, ctx: JobHandlerContext): Promise<JobHandlerResult> {
    const names = job.deploy?.services ?? [];
    const outputs: Record<string, string> = {};
    for (const [index, name] of names.entries()) {
      if (this.options.only && !this.options.only.includes(name)) {
        ctx.onLine('stdout', `${name}: skipped (not selected by --service)`);
        continue;
      }
      const spec = job.deploy?.specs[name];
      if (!spec)
        throw new FerryError(
          'DEPLOY_INVALID',
          `job "${job.id}" deploys service "${name}", which the pipeline's services: do not define`,
        );
      // Image and env values may use expressions too (`${{ jobs.build.outputs.version }}`).
      const env = Object.fromEntries(
        Object.entries(spec.env).map(([key, value]) => [key, renderTemplate(value, ctx.expr)]),
      );
      const service = resolveService(spec, renderTemplate(spec.image, ctx.expr), env);
      if (!service.image)
        throw new FerryError(
          'DEPLOY_INVALID',
          `service "${name}" has an empty image (its template "${spec.image}" rendered to nothing)`,
        );
      const needsRouter = service.publish !== undefined;
      const router = needsRouter ? await (this.#router ??= this.options.router()) : noRouter;
      const result = await rollOut(service, {
        provider: this.options.provider,
        router,
        state: new ServiceState(this.options.stateDir, name),
        clock: this.options.clock ?? systemClock,
        deployId: `${ctx.runId}-${randomBytes(2).toString('hex')}`,
        job: job.id,
        log: (line) => ctx.onLine('stdout', line),
        emit: (body) => ctx.emit(body),
      });
      if (result.revision !== undefined) outputs[`${name}_revision`] = String(result.revision);
      if (result.status !== 'deployed' && result.status !== 'unchanged') {
        const untouched = names.slice(index + 1);
        const failure = deployFailure(name, result);
        // The replica's last log lines are in the deploy log above; the job's reason is the one line.
        const reason = (failure ? `${failure.code}: ${failure.message}` : result.message).split('\n')[0];
        return {
          status: 'failed',
          outputs,
          error: `${reason}${untouched.length > 0 ? `\nnot deployed, since ${name} failed: ${untouched.join(', ')}` : ''}`,
        };
      }
    }
    return { status: 'success', outputs };
  }
}
