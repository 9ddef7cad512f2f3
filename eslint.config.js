// Type-checked lint for every TypeScript file in packages/ and test/ (npm test runs it).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'bench/**',
      'scripts/**',
      'eslint.config.js',
      // A real library run by the import e2e test (third-party code, kept as it is).
      'test/fixtures/import/**',
      // Vite's own config file (plain JavaScript, read by vite build).
      'packages/web/vite.config.mjs',
      // The demo app is a pipeline's workload (plain JavaScript run inside a container), not Ferry's code.
      'pipelines/**',
      '.dependency-cruiser.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'vitest.engine.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read untyped data on purpose: response.json(), JSON.parse of event lines and webhook payloads, and
    // vitest's asymmetric matchers (expect.any, expect.objectContaining) are typed `any`; typing each of them
    // only to assert on it adds casts, not safety. `expect(fake.method).toHaveBeenCalled()` never calls the
    // method, so unbound-method is wrong there (typescript-eslint points to a vitest-aware variant we do not have).
    // Fakes implement async interfaces with async methods that need no await (a throw becomes a rejection, as in
    // the real thing), and webhook fixture payloads are untyped JSON the tests edit at any depth.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
