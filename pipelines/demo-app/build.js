// Bundles src/ into dist/slug.js with a version banner, and checks that the bundle loads.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const source = readFileSync(new URL('./src/slug.js', import.meta.url), 'utf8');
const banner = `// slug ${process.env.FERRY_SHA?.slice(0, 7) || 'dev'} built by ferry\n`;
mkdirSync(new URL('./dist/', import.meta.url), { recursive: true });
writeFileSync(new URL('./dist/slug.js', import.meta.url), banner + source);
const { slugify } = await import('./dist/slug.js');
if (slugify('Ferry Demo') !== 'ferry-demo') throw new Error('bundle is broken');
console.log(`dist/slug.js: ${(banner + source).length} bytes`);
