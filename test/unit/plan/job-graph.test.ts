import { describe, expect, it } from 'vitest';
import { jobDependencies, jobEdges, unknownNeeds } from '../../../packages/engine/src/plan/job-graph.js';

const job = (extra: { stage?: string; needs?: string | string[] } = {}) => ({ image: 'x', steps: [], ...extra });

describe('job graph', () => {
  it('waits for the nearest earlier stage that has jobs, or only for needs', () => {
    const { edges, stageEdges } = jobEdges({
      stages: ['build', 'lint', 'test', 'deploy'],
      jobs: {
        a: job({ stage: 'build' }),
        b: job({ stage: 'build' }),
        t: job({ stage: 'test' }),
        d: job({ stage: 'deploy', needs: 'a' }),
        free: job(),
      },
    });
    expect(edges.get('a')).toEqual([]);
    expect(edges.get('t')).toEqual(['a', 'b']);
    expect(stageEdges.get('t')).toEqual(['a', 'b']);
    expect(edges.get('d')).toEqual(['a']);
    expect(stageEdges.has('d')).toBe(false);
    expect(edges.get('free')).toEqual([]);
  });

  it('collects transitive dependencies and tolerates unknown names and cycles', () => {
    const deps = jobDependencies({
      jobs: { a: job({ needs: ['b'] }), b: job({ needs: ['c', 'ghost'] }), c: job({ needs: 'a' }), d: job() },
    });
    expect([...deps('a')].sort()).toEqual(['a', 'b', 'c', 'ghost']);
    expect(deps('d').size).toBe(0);
  });

  it('walks a 20,000-job needs chain without recursion', () => {
    const jobs: Record<string, ReturnType<typeof job>> = { j0: job() };
    for (let index = 1; index < 20_000; index++) jobs[`j${index}`] = job({ needs: `j${index - 1}` });
    expect(jobDependencies({ jobs })('j19999').size).toBe(19_999);
  });

  it('names unknown needs with their index and a close match', () => {
    expect(unknownNeeds({ test: job(), deploy: job({ needs: ['test', 'tset'] }), x: job({ needs: 'nope' }) })).toEqual([
      {
        job: 'deploy',
        need: 'tset',
        index: 1,
        message: 'job "deploy" needs unknown job "tset" (did you mean "test"?)',
      },
      { job: 'x', need: 'nope', message: 'job "x" needs unknown job "nope" (jobs: test, deploy, x)' },
    ]);
  });
});
