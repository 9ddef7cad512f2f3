// The one format every bench ends with, so that bench/all.mjs (npm run bench) can gather them into a table:
//   ratio <name> <value> (goal <= 1.10: met)
// A bench may print several ratio lines; its last line is always one.

/**
 * Prints a ratio line. `goal` is `{ atMost }` (lower is better) or `{ atLeast }` (higher is better), from the
 * performance issue; without one the ratio is reported with "no goal".
 */
export function printRatio(name, value, goal) {
  const shown = Number.isFinite(value) ? value.toFixed(2) : String(value);
  let verdict = 'no goal';
  if (goal?.atMost !== undefined)
    verdict = `goal <= ${goal.atMost.toFixed(2)}: ${value <= goal.atMost ? 'met' : 'NOT met'}`;
  if (goal?.atLeast !== undefined)
    verdict = `goal >= ${goal.atLeast.toFixed(2)}: ${value >= goal.atLeast ? 'met' : 'NOT met'}`;
  console.log(`ratio ${name} ${shown} (${verdict})`);
}

export const ratioLine = /^ratio (\S+) (\S+) \((.*)\)$/;
