import type { CanaryAnalysis } from '../deploy-types.js';
import type { CanaryVerdict } from '../strategies/analyze-canary.js';
import { judgeAnalysis } from './judge-analysis.js';

/** What a canary step observes at one tick: time, requests from the CLI, the pool's health, the analysis so far. */
export interface CanaryObserved {
  now: number;
  /** The absolute end of the step's pause; none for a manual pause. */
  deadline?: number;
  /** When the next analysis check is due. */
  nextCheck: number;
  /** `ferry promote` / `ferry abort` seen this tick. */
  requested?: 'promote' | 'abort';
  /** A canary replica that failed its health watch, with the reason. */
  failedReplica?: string;
  /** Whether any limit is set (without limits there is nothing to judge). */
  judged: boolean;
  lastVerdict?: CanaryVerdict['verdict'];
}

export type CanaryDecision =
  { kind: 'abort'; reason: string } | { kind: 'analyze' } | { kind: 'advance' } | { kind: 'wait' };

/**
 * One tick of a canary step, pure (Argo Rollouts' canary: a step holds its weight for its pause; the analysis
 * runs every interval). An abort request or a failed canary replica aborts; a due check is run; `ferry promote`
 * or the end of the pause advances to the next step, but a judged step only advances after a passing check.
 */
export function decideCanaryStep(observed: CanaryObserved): CanaryDecision {
  if (observed.requested === 'abort') return { kind: 'abort', reason: 'aborted by ferry abort' };
  if (observed.failedReplica) return { kind: 'abort', reason: observed.failedReplica };
  if (observed.now >= observed.nextCheck) return { kind: 'analyze' };
  if (observed.requested === 'promote') return { kind: 'advance' };
  const over = observed.deadline !== undefined && observed.now >= observed.deadline;
  if (over && (!observed.judged || observed.lastVerdict === 'pass')) return { kind: 'advance' };
  return { kind: 'wait' };
}

export interface CheckOutcome {
  failures: number;
  abort?: string;
}

/**
 * What one analysis check means for the step: a failure counts toward failureLimit (Argo: the analysis fails
 * when failures exceed it); an inconclusive check (too little traffic) aborts at once with `noData: fail`, or
 * once the step has waited past the progress deadline with `noData: hold`.
 */
export function judgeCheck(
  verdict: CanaryVerdict,
  failures: number,
  analysis: Pick<CanaryAnalysis, 'failureLimit' | 'noData'>,
  waitedMs: number,
  progressDeadlineMs: number,
): CheckOutcome {
  if (verdict.verdict === 'fail') {
    const tally = judgeAnalysis(failures, 'fail', analysis);
    return tally.verdict === 'abort'
      ? { failures: tally.failures, abort: `analysis failed ${tally.failures} time(s): ${verdict.message}` }
      : { failures: tally.failures };
  }
  if (verdict.verdict === 'inconclusive') {
    if (analysis.noData === 'fail') return { failures, abort: `insufficient traffic: ${verdict.message}` };
    if (waitedMs > progressDeadlineMs)
      return {
        failures,
        abort: `insufficient traffic: ${verdict.message} until the progress deadline of ${Math.round(progressDeadlineMs / 1000)}s`,
      };
  }
  return { failures };
}
