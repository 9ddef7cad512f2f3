import { describe, expect, it } from 'vitest';
import { canaryChart } from '../../../packages/web/src/canary-chart.js';

describe('canaryChart', () => {
  it('scales canary and stable over time into the chart, the largest value at the top, gaps left out', () => {
    const chart = canaryChart(
      [
        { at: 1000, canary: { errorRate: 0, p99Ms: 10 }, stable: { p99Ms: 20 } },
        { at: 2000, canary: { errorRate: 0.5, p99Ms: null }, stable: { p99Ms: 40 } },
        { at: 3000, canary: { errorRate: 0.25, p99Ms: 30 }, stable: { p99Ms: 20 } },
      ],
      100,
      50,
    );
    expect(chart.maxP99).toBe(40);
    expect(chart.p99).toEqual([
      { name: 'canary', points: '0,38 100,13' },
      { name: 'stable', points: '0,25 50,0 100,25' },
    ]);
    expect(chart.errors[0]).toEqual({ name: 'canary', points: '0,50 50,0 100,25' });
    expect(chart.errors[1]).toEqual({ name: 'stable', points: '' });
  });
});
