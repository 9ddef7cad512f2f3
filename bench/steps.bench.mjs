// One job of 20 trivial steps through Ferry, against the floor: a shell loop of 20 `docker exec` calls
// into one running container. Prints the ratio (lower is better; 1.0 means no overhead over the CLI loop).
import { execa } from 'execa';
import { printRatio } from './ratio.mjs';
import { docker, median, runPipelineText } from './run-pipeline.mjs';

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
await runPipelineText(pipeline); // warm-up
for (let round = 0; round < rounds; round++) {
  floor.push(await floorLoop());
  const { wallMs, resultMs, events } = await runPipelineText(pipeline);
  ferryTotal.push(wallMs);
  ferryResult.push(resultMs);
  const first = events.find((e) => e.type === 'step.started');
  const last = events.filter((e) => e.type === 'step.finished').at(-1);
  ferrySteps.push(last.time - first.time);
}
const f = median(floor);
const t = median(ferryTotal);
const s = median(ferrySteps);
const r = median(ferryResult);
console.log(`20 trivial steps, median of ${rounds} rounds (docker ${(await docker.version()).Version})`);
console.log(`  floor: shell loop of 20 docker exec      ${f.toFixed(0)} ms`);
console.log(`  ferry: the 20 steps (first start→last end) ${s.toFixed(0)} ms   ratio ${(s / f).toFixed(2)}`);
console.log(`  ferry: whole run (container, workspace, teardown) ${t.toFixed(0)} ms   ratio ${(t / f).toFixed(2)}`);
console.log(`  ferry: to the result (run.finished; teardown after) ${r.toFixed(0)} ms   ratio ${(r / f).toFixed(2)}`);
printRatio('steps.to-result/docker-exec-loop', r / f);
printRatio('steps.whole-run/docker-exec-loop', t / f, { atMost: 1.1 });
