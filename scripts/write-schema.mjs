#!/usr/bin/env node
// Writes docs/ferry.schema.json from the engine's zod schema (build the engine first: `npm run schema`).
// `--check` exits 1 instead of writing when the committed file is stale. A unit test runs the same check.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipelineJsonSchemaText } from '../packages/engine/dist/pipeline/pipeline-json-schema.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'ferry.schema.json');
const text = pipelineJsonSchemaText();

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    console.error('docs/ferry.schema.json is stale; run `npm run schema`');
    process.exit(1);
  }
  console.log('docs/ferry.schema.json is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
