/**
 * The workspace's import rules, checked by dependency-cruiser (`pnpm run check:deps`, a step of
 * `.ci/run`). Packages depend one way, core ← nn ← optim and data on core only; examples and bench
 * use the packages through their public entry points; the only import cycle allowed is core's
 * Tensor ↔ ops ↔ tape family. `@tapegrad/*` resolve through tsconfig.check.json's paths (to each
 * package's src/index.ts), so an import by name shows as `aliased-tsconfig-paths`.
 * @type {import('dependency-cruiser').IConfiguration}
 */

/** Test code: `*.test.ts`, `test-utils/` folders and the test-support package. */
const TESTS = '\\.test\\.ts$|/test-utils/|^test-support/';

/**
 * The one import cycle allowed: Tensor's methods call the ops (`ops/functions.ts` gathers them), the
 * ops build tape nodes and return Tensors, and the tape, its backward pass and the argument checks
 * (`checks.ts`, an `instanceof Tensor`) need Tensor at run time. Found with this tool on
 * 2026-12-06: tensor.ts, tape.ts, backward.ts, checks.ts and 28 files of ops/ (every op file but
 * pad, table, unfold and window). A cycle with any module outside this set is an error.
 */
const TAPE_FAMILY = '^packages/core/src/(tensor|tape|backward|checks|ops/[^/]+)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'An import cycle outside core\'s Tensor ↔ ops ↔ tape family (see TAPE_FAMILY). Type-only imports ' +
        'are erased at compile time and make no cycle at run time, so they are not counted.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] }, viaSomeNot: TAPE_FAMILY },
    },
    {
      name: 'core-imports-no-package',
      comment: 'core is the base: it may not import nn, optim, data, examples or bench (its tests may use test-support).',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: '^(packages/(nn|optim|data)|examples|bench)/' },
    },
    {
      name: 'nn-imports-not-optim-or-data',
      comment: 'nn sits on core only: optim trains nn models, not the other way round, and data is separate.',
      severity: 'error',
      from: { path: '^packages/nn/' },
      to: { path: '^packages/(optim|data)/' },
    },
    {
      name: 'optimizers-import-not-nn',
      comment: 'optim\'s optimizers work on Tensors; only its Solver (src/solver/, it trains nn models) and tests may import nn.',
      severity: 'error',
      from: { path: '^packages/optim/src/', pathNot: `^packages/optim/src/solver/|${TESTS}` },
      to: { path: '^packages/nn/' },
    },
    {
      name: 'data-imports-core-only',
      comment: 'data depends on core only.',
      severity: 'error',
      from: { path: '^packages/data/' },
      to: { path: '^packages/(nn|optim)/' },
    },
    {
      name: 'shipped-code-imports-no-tests',
      comment: 'A package\'s shipped sources may not import test code (tests, test-utils, test-support).',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/', pathNot: TESTS },
      to: { path: TESTS },
    },
    {
      name: 'public-entry-points-only',
      comment:
        'examples and bench use the packages through their public names (@tapegrad/core...), never a path into ' +
        'a package (src/ internals, dist/). The one exception is core\'s ambient declaration of the WebAssembly ' +
        'API (types of the platform, no code), which bench\'s WebAssembly scripts reference: TypeScript declares ' +
        'that API only in its DOM lib, and a second copy cannot sit beside it in tsconfig.check.json\'s program ' +
        '(its classes would be declared twice).',
      severity: 'error',
      from: { path: '^(examples|bench)/' },
      to: {
        path: '^packages/',
        pathNot: '^packages/core/src/kernels/wasm/webassembly\\.d\\.ts$',
        dependencyTypesNot: ['aliased-tsconfig-paths'],
      },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing (e.g. a path into a package that its exports do not list).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|docs|coverage)/|^test-support/docExamples/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.mts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
