export { FerryError, ferryErrorCodes, isFerryError } from './errors.js';
export type { FerryErrorCode, FerryErrorOptions, SourceLocation } from './errors.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export * from './pipeline/index.js';
export { loadPipeline } from './load/load-pipeline.js';
export { collectIncludesAsync } from './load/collect-includes.js';
export { findPipelineFile, pipelineFileNames } from './load/find-pipeline-file.js';
export * from './expr/index.js';
export { planPipeline } from './plan/plan-pipeline.js';
export { parseSize } from './plan/translate-job.js';
export type { GitContext, PlanContext, PlanIssue, PlanResult } from './plan/plan-pipeline.js';
export type { JobRun, Plan, PlannedStep, SkippedJob, JobKind } from './plan/plan-types.js';
export { formatPlanMermaid, formatPlanText } from './plan/format-plan.js';
export { matchGlobList } from './plan/match-glob-list.js';
export { matchChanges } from './plan/match-changes.js';
export type { ChangeSet, ChangesVerdict } from './plan/match-changes.js';
export { readChangeSet } from './git/read-change-set.js';
export type { ChangeSetRequest } from './git/read-change-set.js';
export { hashPlan } from './plan/hash-plan.js';
export { runPlan, formatMs } from './run/run-plan.js';
export type { JobResult, RunDeps, RunResult } from './run/run-plan.js';
export { EventStream } from './run/event-stream.js';
export type { RunEventListener } from './run/event-stream.js';
export type { RunEvent, RunEventBody, RunEventType, JobStatus, RunStatus } from './run/events.js';
export type { Executor, ExecIO, ExecStep, StepResult, PrepareOptions, OutputStream } from './exec/executor.js';
export { DockerExecutor } from './exec/docker/docker-executor.js';
export type { DockerExecutorOptions } from './exec/docker/docker-executor.js';
export { reapResources } from './exec/docker/reap-resources.js';
export { ContainerPool } from './exec/docker/container-pool.js';
export type { ContainerPoolOptions } from './exec/docker/container-pool.js';
export { poolSlot } from './exec/docker/pool-slot.js';
export type { PoolSlot } from './exec/docker/pool-slot.js';
export { refuseDockerJobs } from './exec/docker-access.js';
export type { DockerAccess } from './exec/docker-access.js';
export { isProcessAlive } from './process/is-process-alive.js';
export type { ReapFilter, ReapResult } from './exec/docker/reap-resources.js';
export { FakeExecutor } from './exec/fake-executor.js';
export { RunStore, RunRecorder, safeName } from './store/run-store.js';
export type { RunSummary } from './store/run-store.js';
export { readGitContext } from './git/read-git-context.js';
export { createMasker, maskDeep, SplitMasker } from './run/mask-secrets.js';
export { resolveSecrets } from './run/resolve-secrets.js';
export type { ResolvedSecrets, SecretSources } from './run/resolve-secrets.js';
export type { JobHandler, JobHandlerContext, JobHandlerResult } from './run/job-handler.js';
export { prepareRun } from './run/prepare-run.js';
export type { PrepareRunOptions, PreparedRun } from './run/prepare-run.js';
export { formatBytes } from './exec/format-bytes.js';
export { CacheStore } from './store/cache-store.js';
export type { CacheEntry, CacheHit } from './store/cache-store.js';
export { hashFiles } from './store/hash-files.js';
export type { SavedFiles } from './exec/executor.js';
export { ImageBuilder } from './image/image-builder.js';
export type { ImageBuilderOptions, ImageOutputs } from './image/image-builder.js';
export { REGISTRY_USER_SECRET, REGISTRY_PASSWORD_SECRET } from './image/registry-auth.js';
export { DeployHandler } from './deploy/deploy-handler.js';
export type { DeployHandlerOptions } from './deploy/deploy-handler.js';
export { DockerProvider } from './deploy/docker/docker-provider.js';
export type { Provider } from './deploy/provider.js';
export type { TrafficRouter } from './deploy/traffic-router.js';
export { ServiceState } from './deploy/state/service-state.js';
export type { TimelineEvent } from './deploy/state/service-state.js';
export { describeService, deployedServices } from './deploy/describe-service.js';
export type { DescribeDeps, ServiceOverview, ServiceProxyView } from './deploy/describe-service.js';
export type { DeployJournal } from './deploy/state/service-state.js';
export { resolveService } from './deploy/resolve-service.js';
export { planService } from './plan/plan-service.js';
export { rollOut } from './deploy/roll-out.js';
export {
  deployFailure,
  noRouter,
  removeService,
  requestCanaryAction,
  rollBackService,
  scaleService,
} from './deploy/deploy-operations.js';
export type { OperationDeps } from './deploy/deploy-operations.js';
export type { RolloutResult } from './deploy/rollout-types.js';
export type { Revision, ResolvedService, Replica } from './deploy/deploy-types.js';
export { startProxyServer } from './proxy/proxy-server.js';
export type { ProxyServer, ProxyServerOptions } from './proxy/proxy-server.js';
export { ProxyClient, proxyRequestStatus } from './proxy/proxy-client.js';
export type { ProxyClientOptions, ProxyRequestFailure } from './proxy/proxy-client.js';
export { readProxyInfo, readToken } from './proxy/state-dir.js';
export type { ProxyInfo } from './proxy/state-dir.js';
export type {
  PoolName,
  ServiceView,
  BackendView,
  ServiceStats,
  PoolStats,
  StatusClass,
  DrainResult,
} from './proxy/proxy-types.js';
export { ensureProxy } from './proxy/ensure-proxy.js';
export type { EnsureProxyOptions } from './proxy/ensure-proxy.js';
export { startHealer } from './deploy/heal-services.js';
export type { HealerOptions } from './deploy/heal-services.js';
export { importPipeline, serializePipeline } from './import/import-pipeline.js';
export type { ImportOutcome } from './import/import-pipeline.js';
export type { ImportEntry, ImportFormat, ImportOptions, ImportResult, SourceReader } from './import/import-types.js';
export { toolImages } from './import/tool-images.js';
export { parseAnyPipeline, importEntryIssue, isForeignPipeline } from './import/parse-any-pipeline.js';
export { fileReader, repositoryRootOf } from './load/load-pipeline.js';
export { mergeImports } from './import/merge-imports.js';
