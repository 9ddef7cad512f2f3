// npm run bench: every bench in turn (their output as it comes), then one table of the ratios they printed.
import { spawn } from 'node:child_process';
import { ratioLine } from './ratio.mjs';

const benches = ['steps', 'dag', 'proxy', 'dispatch', 'webhook'];
const rows = [];
let failed = false;
for (const name of benches) {
  const file = new URL(`./${name}.bench.mjs`, import.meta.url).pathname;
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let rest = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      rest += chunk.toString();
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const match = ratioLine.exec(line.trim());
        if (match) rows.push([name, match[1], match[2], match[3]]);
      }
    });
    child.on('exit', (exitCode) => resolve(exitCode));
  });
  if (code !== 0) {
    failed = true;
    rows.push([name, '(failed)', '-', `exit ${code}`]);
  }
}
const widths = [10, 46, 8];
console.log(`\n${'bench'.padEnd(widths[0])} ${'ratio'.padEnd(widths[1])} ${'value'.padEnd(widths[2])} goal`);
for (const [bench, name, value, verdict] of rows)
  console.log(`${bench.padEnd(widths[0])} ${name.padEnd(widths[1])} ${value.padEnd(widths[2])} ${verdict}`);
if (failed) process.exitCode = 1;
