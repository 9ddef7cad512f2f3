// Loads the bundle the image was built with and checks it, as a deploy would before taking traffic.
import { slugify } from './dist/slug.js';

const got = slugify('Ferry ships containers');
if (got !== 'ferry-ships-containers') {
  console.error(`smoke test failed: ${got}`);
  process.exit(1);
}
console.log(`smoke ok: ${got}`);
