// 12 jobs of `sleep 1` in a diamond (1 → 5 → 5 → 1): the critical path is 4 jobs, 4 s of work.
// Prints wall time / critical-path time (1.0 would mean zero scheduling and container overhead). Each round runs it
// twice: each job starting its own container, and taking one from a ContainerPool of size POOL (default 12, one per
// job) filled before the clock, as `ferry runner --pool 12` keeps it.
import { ContainerPool } from '@ferry/engine';
import { docker, median, runPipelineText, warmPool } from './run-pipeline.mjs';
import { printRatio } from './ratio.mjs';

const rounds = Number(process.env.ROUNDS ?? 3);
const job = (id, needs) =>
  `  ${id}:\n    image: ferry/busybox:1\n${needs.length ? `    needs: [${needs.join(', ')}]\n` : ''}    steps:\n      - run: sleep 1\n`;
const middle1 = ['b1', 'b2', 'b3', 'b4', 'b5'];
const middle2 = ['c1', 'c2', 'c3', 'c4', 'c5'];
const pipeline = `jobs:\n${job('a', [])}${middle1.map((id) => job(id, ['a'])).join('')}${middle2.map((id, i) => job(id, [middle1[i]])).join('')}${job('z', middle2)}`;

const criticalMs = 4 * 1000;
const walls = [];
const results = [];
const pooledWalls = [];
const poolSize = Number(process.env.POOL ?? 12);
const pool = new ContainerPool({ docker, size: poolSize });
try {
  for (let round = 0; round < rounds; round++) {
    const { wallMs, resultMs } = await runPipelineText(pipeline, { concurrency: 5 });
    walls.push(wallMs);
    results.push(resultMs);
    await warmPool(pool, pipeline);
    pooledWalls.push((await runPipelineText(pipeline, { concurrency: 5, pool })).wallMs);
    // The removals the pool deferred while the run was open: done before the next round's clock starts.
    await pool.settled();
  }
} finally {
  await pool.close();
}
const wall = median(walls);
const result = median(results);
const pooledWall = median(pooledWalls);
console.log(`diamond DAG of 12 jobs (sleep 1 each), concurrency 5, median of ${rounds} rounds`);
console.log(`  critical path ${criticalMs} ms, wall ${wall.toFixed(0)} ms, ratio ${(wall / criticalMs).toFixed(2)}`);
console.log(
  `  to the result (run.finished; teardown after) ${result.toFixed(0)} ms, ratio ${(result / criticalMs).toFixed(2)}`,
);
printRatio('dag.to-result/critical-path', result / criticalMs);
console.log(
  `  pooled (size ${poolSize}, removals in the pool's background) wall ${pooledWall.toFixed(0)} ms, ratio ${(pooledWall / criticalMs).toFixed(2)}`,
);
printRatio('dag.wall/critical-path', wall / criticalMs, { atMost: 1.15 });
printRatio('dag.pooled.wall/critical-path', pooledWall / criticalMs, { atMost: 1.15 });
