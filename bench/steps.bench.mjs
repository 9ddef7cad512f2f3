// One job of 20 trivial steps through Ferry, against the floor: a shell loop of 20 `docker exec` calls
// into one running container. Prints the ratio (lower is better; 1.0 means no overhead over the CLI loop).
// Each round runs it twice: with a container of its own, as `ferry run` does, and taking one from a ContainerPool
// (size 1, filled before the clock as the floor's container is), as `ferry runner --pool 1` does; it starts the
// replacement after the job (refillOn release, the default), or while the job runs (refillOn take).
import { ContainerPool } from '@ferry/engine';
import { execa } from 'execa';
import { printRatio } from './ratio.mjs';
import { docker, median, runPipelineText, warmPool } from './run-pipeline.mjs';

const rounds = Number(process.env.ROUNDS ?? 5);
const steps = Array.from({ length: 20 }, (_, i) => `      - run: "true # ${i}"`).join('\n');
const pipeline = `jobs:\n  steps20:\n    image: ferry/busybox:1\n    steps:\n${steps}\n`;

async function floorLoop() {
  const { stdout: id } = await execa('docker', ['run', '-d', '--rm', 'ferry/busybox:1', 'sleep', '600']);
  try {
    const started = performance.now();
    await execa('sh', ['-c', `for i in $(seq 20); do docker exec ${id} true; done`]);
    return performance.now() - started;
  } finally {
    await execa('docker', ['rm', '-f', id]);
  }
}

const floor = [];
const ferryTotal = [];
const ferrySteps = [];
const ferryResult = [];
const pooledTotal = [];
const pooledSteps = [];
const onTakeTotal = [];
const pool = new ContainerPool({ docker, size: 1 });
const onTake = new ContainerPool({ docker, size: 1, refillOn: 'take' });
const stepsMs = (events) => {
  const first = events.find((e) => e.type === 'step.started');
  const last = events.filter((e) => e.type === 'step.finished').at(-1);
  return last.time - first.time;
};
try {
  await runPipelineText(pipeline); // warm-up
  for (let round = 0; round < rounds; round++) {
    floor.push(await floorLoop());
    const { wallMs, resultMs, events } = await runPipelineText(pipeline);
    ferryTotal.push(wallMs);
    ferryResult.push(resultMs);
    ferrySteps.push(stepsMs(events));
    await warmPool(pool, pipeline);
    const pooled = await runPipelineText(pipeline, { pool });
    pooledTotal.push(pooled.wallMs);
    pooledSteps.push(stepsMs(pooled.events));
    await warmPool(onTake, pipeline);
    onTakeTotal.push((await runPipelineText(pipeline, { pool: onTake })).wallMs);
    // What the pools deferred while the runs were open: done before the next round's clock starts.
    await Promise.all([pool.settled(), onTake.settled()]);
  }
} finally {
  await Promise.all([pool.close(), onTake.close()]);
}
const f = median(floor);
const t = median(ferryTotal);
const s = median(ferrySteps);
const r = median(ferryResult);
const p = median(pooledTotal);
const ps = median(pooledSteps);
const pt = median(onTakeTotal);
console.log(`20 trivial steps, median of ${rounds} rounds (docker ${(await docker.version()).Version})`);
console.log(`  floor: shell loop of 20 docker exec      ${f.toFixed(0)} ms`);
console.log(`  ferry: the 20 steps (first start→last end) ${s.toFixed(0)} ms   ratio ${(s / f).toFixed(2)}`);
console.log(`  ferry: whole run (container, workspace, teardown) ${t.toFixed(0)} ms   ratio ${(t / f).toFixed(2)}`);
console.log(`  ferry: to the result (run.finished; teardown after) ${r.toFixed(0)} ms   ratio ${(r / f).toFixed(2)}`);
console.log(`  ferry, pooled: the 20 steps ${ps.toFixed(0)} ms   ratio ${(ps / f).toFixed(2)}`);
console.log(
  `  ferry, pooled: whole run (removal in the pool's background) ${p.toFixed(0)} ms   ratio ${(p / f).toFixed(2)}`,
);
printRatio('steps.to-result/docker-exec-loop', r / f);
printRatio('steps.whole-run/docker-exec-loop', t / f, { atMost: 1.1 });
console.log(
  `  ferry, pooled, refill on take (replacement starting during the steps): whole run ${pt.toFixed(0)} ms   ratio ${(pt / f).toFixed(2)}`,
);
printRatio('steps.pooled-take.whole-run/docker-exec-loop', pt / f);
printRatio('steps.pooled.whole-run/docker-exec-loop', p / f, { atMost: 1.1 });
