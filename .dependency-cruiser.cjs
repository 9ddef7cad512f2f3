/** Import rules for packages/ (npm test runs them): no cycles, dependencies point cli → runner → engine, pure layers stay pure. */
const io =
  '^(node:)?(fs|fs/promises|timers|timers/promises|child_process|net|http|https)$|^(dockerode|ioredis|bullmq|execa|simple-git)$';
module.exports = {
  forbidden: [
    { name: 'no-cycle', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'engine-is-a-library',
      comment: 'The engine imports nothing from the runner or the CLI.',
      severity: 'error',
      from: { path: '^packages/engine/' },
      to: { path: '^packages/(runner|cli)/|^@ferry/(runner|cli)' },
    },
    {
      name: 'runner-below-cli',
      severity: 'error',
      from: { path: '^packages/runner/' },
      to: { path: '^packages/cli/|^@ferry/cli' },
    },
    {
      name: 'pure-layers',
      comment:
        'pipeline/, plan/, expr/, import/ and the deploy decisions are pure: no file system, Docker, Redis, processes or timers.',
      severity: 'error',
      from: { path: '^packages/engine/src/(pipeline|plan|expr|import|deploy/decide)/' },
      to: { path: io, dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-no-pkg', 'unknown', 'undetermined'] },
    },
    {
      name: 'plan-translates-the-pipeline',
      comment:
        'What runs a plan (exec/, image/, deploy/, run/, proxy/, store/) takes plan types, never the parsed file.',
      severity: 'error',
      from: { path: '^packages/engine/src/(exec|image|deploy|run|proxy|store)/' },
      to: { path: '^packages/engine/src/pipeline/(pipeline-schema|parse-duration)' },
    },
    {
      name: 'packages-through-exports',
      comment: 'Another package is imported through its exports map, never by a relative path into its src/.',
      severity: 'error',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/([^/]+)/', pathNot: '^packages/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'] },
  },
};
