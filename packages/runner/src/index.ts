export { isRetriable } from './worker/is-retriable.js';
export { openRedis, waitForRedis, redactUrl } from './open-redis.js';
export type { RedisRole } from './open-redis.js';
export { apiScopes, authorize, apiToken, generateToken, hashToken, tokenNamePattern } from './api/bearer-auth.js';
export type { ApiAuth, ApiDecision, ApiScope, ApiToken } from './api/bearer-auth.js';

export { RunQueue } from './queue/run-queue.js';
export { enqueueRun } from './queue/enqueue-run.js';
export type { EnqueueOptions, EnqueueResult } from './queue/enqueue-run.js';
export { cancelRun } from './queue/cancel-run.js';
export type { CancelResult } from './queue/cancel-run.js';
export { followRunEvents } from './queue/follow-run.js';
export type { FollowOptions } from './queue/follow-run.js';
export { getRun, listRuns, waitForFinalRun } from './queue/read-runs.js';
export { listRunners } from './queue/runner-info.js';
export type { RunnerInfo } from './queue/runner-info.js';
export { defaultQueuePolicy } from './queue/queue-policy.js';
export type { QueuePolicy } from './queue/queue-policy.js';
export { runRequestSchema, parseRunRequest } from './queue/run-request.js';
export type { RunRequest, RunRequestInput, RunJobData } from './queue/run-request.js';
export { finalStatuses, isFinalStatus } from './queue/run-record.js';
export type { RunRecord, RunRecordStatus } from './queue/run-record.js';
export { isQueueEvent } from './queue/stream-entry.js';
export type { QueueEvent, QueueEventBody, StreamEntry } from './queue/stream-entry.js';
export {
  keys as redisKeys,
  channels as redisChannels,
  queueNameFor,
  normalizeLabels,
  coversLabels,
  labelPattern,
} from './queue/names.js';
export { runIdFor } from './queue/run-id.js';

export { startRunner } from './worker/start-runner.js';
export type { Runner, RunnerConfig, RunnerDeps, RunnerHealth, RunnerInfraDeps } from './worker/start-runner.js';
export { GitMirrorCheckout } from './worker/git-mirror.js';
export type { Checkout, CheckoutRequest, CheckoutResult } from './worker/git-mirror.js';
export { RunnerMetrics } from './worker/runner-metrics.js';
export { createHealthHandler } from './worker/health-handler.js';
export { gitContextFor } from './worker/git-context.js';
export { retryDelayMs } from './worker/retry-backoff.js';
export type { ExtraRunDeps, RunInfra } from './worker/execute-run.js';
export type { Redis as RedisClient } from 'ioredis';
