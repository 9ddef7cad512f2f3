import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web page of `ferry serve`, built into packages/web/dist at `npm run build`; serve answers / with it.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
