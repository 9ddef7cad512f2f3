import type { CanaryAnalysis } from '../deploy-types.js';

export interface AnalysisTally {
  failures: number;
  verdict: 'continue' | 'abort';
}

/**
 * Counts a check into the step's tally, Argo's way: the analysis fails when failures EXCEED failureLimit
 * (failureLimit 0 = the first failure aborts; −1 = never abort on failures).
 */
export function judgeAnalysis(
  failures: number,
  verdict: 'pass' | 'fail' | 'inconclusive',
  analysis: Pick<CanaryAnalysis, 'failureLimit'>,
): AnalysisTally {
  const counted = verdict === 'fail' ? failures + 1 : failures;
  const abort = analysis.failureLimit >= 0 && counted > analysis.failureLimit;
  return { failures: counted, verdict: abort ? 'abort' : 'continue' };
}
