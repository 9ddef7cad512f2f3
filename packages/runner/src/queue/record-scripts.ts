import type { Redis } from 'ioredis';
import { channels, keys } from './names.js';
import { defineScript, runScript, type RedisScript } from './redis-script.js';
import { encodeRunRecord, type RunRecord, type RunRecordStatus } from './run-record.js';
import { encodeStreamEntry, type QueueEvent } from './stream-entry.js';

// Every write to a run record goes through one of these scripts, so that a runner that lost its lease
// (its `token` is no longer the record's) cannot overwrite what the runner now holding the run writes.

/**
 * Runs a record script, then tells `ferry:runs:changed` which run it touched: the web page's runs list follows
 * that channel. A lost publish (Redis away) loses nothing but liveness: the list reloads on reconnect.
 */
async function runRecordScript(
  redis: Redis,
  script: RedisScript,
  scriptKeys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const result = await runScript(redis, script, scriptKeys, args);
  const runId = (scriptKeys[0] ?? '').slice(keys.run('').length);
  await redis.publish(channels.runChanged, runId).catch(() => undefined);
  return result;
}

const FINAL = `local final = { success = true, failed = true, cancelled = true, error = true, ['runner-lost'] = true }\n`;

const createScript = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  return { 0, redis.call('HGET', KEYS[1], 'status') or '', redis.call('HGET', KEYS[1], 'queue') or '' }
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return { 1, 'queued', '' }
`);

export interface CreateOutcome {
  created: boolean;
  status: RunRecordStatus;
  /** The queue the existing record names (for a repeated request, where its run really is). */
  queue: string;
}

/**
 * Creates the record unless one exists (an idempotent enqueue), prunes index entries older than pruneBefore, and
 * names the record's queue among those runners listen to: one round trip.
 */
export async function createRunRecord(redis: Redis, record: RunRecord, pruneBefore: number): Promise<CreateOutcome> {
  const [created, status, queue] = (await runRecordScript(
    redis,
    createScript,
    [keys.run(record.id), keys.runs, keys.queues],
    [record.enqueuedAt, record.id, pruneBefore, record.queue, ...encodeRunRecord(record)],
  )) as [number, string, string];
  return { created: created === 1, status: status as RunRecordStatus, queue: created === 1 ? record.queue : queue };
}

const claimScript = defineScript(`${FINAL}
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 5))
  redis.call('ZADD', KEYS[2], redis.call('HGET', KEYS[1], 'enqueuedAt'), redis.call('HGET', KEYS[1], 'id'))
end
local status = redis.call('HGET', KEYS[1], 'status')
local previous = redis.call('HGET', KEYS[1], 'runner') or ''
if final[status] then return { 'final', status, previous, 0 } end
local attempt = redis.call('HINCRBY', KEYS[1], 'attempt', 1)
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'runner', ARGV[2], 'startedAt', ARGV[3])
if redis.call('HEXISTS', KEYS[1], 'cancelRequestedAt') == 1 then return { 'cancel', status, previous, attempt } end
redis.call('HSET', KEYS[1], 'status', 'running')
redis.call('HSETNX', KEYS[1], 'firstStartedAt', ARGV[3])
redis.call('HDEL', KEYS[1], 'reason')
return { 'claimed', status, previous, attempt }
`);

export interface ClaimOutcome {
  /** claimed: run it; final: it already finished (report that); cancel: cancelled before it started. */
  outcome: 'claimed' | 'final' | 'cancel';
  /** Status before the claim: `running` means the previous runner was lost without anyone noticing yet. */
  previousStatus: RunRecordStatus;
  previousRunner: string;
  attempt: number;
}

/**
 * Takes ownership of the record for a new attempt: sets the lease token and runner, counts the attempt.
 * A missing record (expired, or lost with Redis's data) is recreated from `fallback`.
 */
export async function claimRunRecord(
  redis: Redis,
  runId: string,
  token: string,
  runner: string,
  now: number,
  fallback: RunRecord,
): Promise<ClaimOutcome> {
  const [outcome, previousStatus, previousRunner, attempt] = (await runRecordScript(
    redis,
    claimScript,
    [keys.run(runId), keys.runs],
    [token, runner, now, '', ...encodeRunRecord(fallback)],
  )) as [ClaimOutcome['outcome'], RunRecordStatus, string, number];
  return { outcome, previousStatus, previousRunner, attempt };
}

const updateScript = defineScript(`
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
`);

/** Updates the record if `token` still holds it; false when another attempt took over. */
export async function updateOwnedRunRecord(
  redis: Redis,
  runId: string,
  token: string,
  fields: Partial<RunRecord>,
): Promise<boolean> {
  return (await runRecordScript(redis, updateScript, [keys.run(runId)], [token, ...encodeRunRecord(fields)])) === 1;
}

const finishScript = defineScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
if ARGV[1] == '' then
  if status ~= 'queued' and status ~= 'retrying' then return 0 end
elseif redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'a', ARGV[4], 'e', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
`);

export interface FinishOptions {
  /** The lease token of the attempt; undefined: only a run no runner holds (queued, retrying) may be finished. */
  token: string | undefined;
  attempt: number;
  result: QueueEvent & { type: 'run.result' };
  fields: Partial<RunRecord>;
  retentionMs: number;
  eventsMaxLen: number;
}

/** Sets the final status and appends the `run.result` entry in one step, then starts the retention clock. */
export async function finishRunRecord(redis: Redis, runId: string, options: FinishOptions): Promise<boolean> {
  const ttl = Math.max(1, Math.ceil(options.retentionMs / 1000));
  const fields = encodeRunRecord({
    ...options.fields,
    status: options.result.status,
    ...(options.result.reason !== undefined ? { reason: options.result.reason } : {}),
  });
  const entry = encodeStreamEntry(options.attempt, options.result);
  return (
    (await runRecordScript(
      redis,
      finishScript,
      [keys.run(runId), keys.events(runId)],
      [options.token ?? '', ttl, options.eventsMaxLen, entry[1] as string, entry[3] as string, ...fields],
    )) === 1
  );
}

const cancelScript = defineScript(`${FINAL}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { 'missing', '', '' } end
if final[status] then return { 'final', status, '' } end
redis.call('HSETNX', KEYS[1], 'cancelRequestedAt', ARGV[1])
return { 'requested', status, redis.call('HGET', KEYS[1], 'queue') }
`);

export interface CancelRequest {
  outcome: 'missing' | 'final' | 'requested';
  status: RunRecordStatus | '';
  queue: string;
}

/** Marks the run for cancellation; the runner holding it (or the next to take it) honours the mark. */
export async function requestRunCancel(redis: Redis, runId: string, now: number): Promise<CancelRequest> {
  const [outcome, status, queue] = (await runRecordScript(redis, cancelScript, [keys.run(runId)], [now])) as [
    CancelRequest['outcome'],
    RunRecordStatus | '',
    string,
  ];
  return { outcome, status, queue };
}

const lostScript = defineScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
local runner = redis.call('HGET', KEYS[1], 'runner') or ''
local attempt = tonumber(redis.call('HGET', KEYS[1], 'attempt') or '0')
local retrying = ARGV[3] == '1'
local reason = 'runner ' .. runner .. ' was lost (it stopped renewing its lease)'
redis.call('HINCRBY', KEYS[1], 'lost', 1)
redis.call('HSET', KEYS[1], 'status', retrying and 'queued' or 'runner-lost', 'reason', retrying and (reason .. '; retrying on another runner') or reason, 'token', '')
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'a', attempt, 'e',
  cjson.encode({ type = 'attempt.lost', attempt = attempt, runner = runner, retrying = retrying, time = tonumber(ARGV[1]), runId = ARGV[5] }))
if not retrying then
  redis.call('HSET', KEYS[1], 'finishedAt', ARGV[1])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'a', attempt, 'e',
    cjson.encode({ type = 'run.result', status = 'runner-lost', reason = reason, time = tonumber(ARGV[1]), runId = ARGV[5] }))
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
return 1
`);

/**
 * Records that the runner holding a run was lost: `queued` again when BullMQ retries it, else `runner-lost`
 * (final). Only a record still `running` changes, so whoever notices first (the stalled check, or the
 * runner taking the retry) writes it once.
 */
export async function markRunnerLost(
  redis: Redis,
  runId: string,
  options: { now: number; retrying: boolean; eventsMaxLen: number; retentionMs: number },
): Promise<boolean> {
  const ttl = Math.max(1, Math.ceil(options.retentionMs / 1000));
  return (
    (await runRecordScript(
      redis,
      lostScript,
      [keys.run(runId), keys.events(runId)],
      [options.now, options.eventsMaxLen, options.retrying ? '1' : '0', ttl, runId],
    )) === 1
  );
}
