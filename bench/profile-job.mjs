// Profiles one run of a bench pipeline: the time of each phase from the run's events and every Docker API call
// (method, path, ms) that the run makes, counted per kind. Usage: node bench/profile-job.mjs [steps|dag] [rounds]
// POOL=<n>: the jobs take containers of a ContainerPool of that size, filled before each round (its calls not counted).
import { ContainerPool } from '@ferry/engine';
import { docker, runPipelineText, warmPool } from './run-pipeline.mjs';

const which = process.argv[2] ?? 'steps';
const rounds = Number(process.argv[3] ?? 3);
const steps = Array.from({ length: 20 }, (_, i) => `      - run: "true # ${i}"`).join('\n');
const pipelines = {
  steps: `jobs:\n  steps20:\n    image: ferry/busybox:1\n    steps:\n${steps}\n`,
  one: `jobs:\n  one:\n    image: ferry/busybox:1\n    steps:\n      - run: "true"\n`,
  dag: diamond(),
};

/** The DAG bench's diamond: a → b1..b5 → c1..c5 → z, `sleep 1` each. */
function diamond() {
  const job = (id, needs) =>
    `  ${id}:\n    image: ferry/busybox:1\n${needs.length ? `    needs: [${needs.join(', ')}]\n` : ''}    steps:\n      - run: sleep 1\n`;
  const b = [1, 2, 3, 4, 5].map((i) => `b${i}`);
  return `jobs:\n${job('a', [])}${b.map((id) => job(id, ['a'])).join('')}${b.map((id, i) => job(`c${i + 1}`, [id])).join('')}${job(
    'z',
    b.map((_, i) => `c${i + 1}`),
  )}`;
}

const calls = [];
const dial = docker.modem.dial.bind(docker.modem);
docker.modem.dial = (options, callback) => {
  const started = performance.now();
  const key = `${options.method} ${options.path
    .replace(/[0-9a-f]{64}/g, ':id')
    .replace(/ferry-[^/?]+/g, ':name')
    .replace(/\?.*$/, '')}`;
  return dial(options, (error, data) => {
    calls.push({ key, ms: performance.now() - started, at: started });
    callback(error, data);
  });
};

const pool = process.env.POOL ? new ContainerPool({ docker, size: Number(process.env.POOL) }) : undefined;
for (let round = 0; round < rounds; round++) {
  if (pool) await warmPool(pool, pipelines[which]);
  calls.length = 0;
  const t0 = performance.now();
  const { wallMs, events } = await runPipelineText(pipelines[which], {
    ...(pool ? { pool } : {}),
    ...(which === 'dag' ? { concurrency: 5 } : {}),
  });
  if (which === 'dag') {
    // Per job, ms from run.started: job.started, first step.started, last step.finished, job.finished.
    const t0 = events[0].time;
    const at = (job, type, pick = 'find') => (events[pick]((e) => e.job === job && e.type === type)?.time ?? NaN) - t0;
    for (const job of [...new Set(events.flatMap((e) => (e.type === 'job.started' ? [e.job] : [])))])
      console.log(
        `  ${job.padEnd(3)} started ${at(job, 'job.started')}  step ${at(job, 'step.started')}→${at(job, 'step.finished')}  finished ${at(job, 'job.finished')}`,
      );
  }
  const first = (type) => events.find((e) => e.type === type)?.time;
  const last = (type) => events.filter((e) => e.type === type).at(-1)?.time;
  const runStarted = first('run.started');
  const phases = {
    'run.started→job.started': first('job.started') - runStarted,
    'job.started→first step.started': first('step.started') - first('job.started'),
    'steps (first start→last finish)': last('step.finished') - first('step.started'),
    'last step→job.finished': first('job.finished') - last('step.finished'),
    'job.finished→run.finished': first('run.finished') - first('job.finished'),
    'wall (runPlan)': wallMs,
  };
  console.log(
    `round ${round + 1}:`,
    Object.entries(phases)
      .map(([k, v]) => `${k} ${Math.round(v)}`)
      .join(' | '),
  );
  const kinds = new Map();
  for (const c of calls) {
    const k = kinds.get(c.key) ?? { n: 0, ms: 0 };
    k.n += 1;
    k.ms += c.ms;
    kinds.set(c.key, k);
  }
  for (const [key, { n, ms }] of kinds)
    console.log(`  ${String(n).padStart(3)} × ${key.padEnd(48)} ${(ms / n).toFixed(1)} ms each`);
  if (process.env.TIMELINE)
    for (const c of calls) console.log(`    +${Math.round(c.at - t0)} ${c.key} ${Math.round(c.ms)} ms`);
}
await pool?.close();
