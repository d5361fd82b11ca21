import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));
const testSupport = fileURLToPath(new URL('./test-support', import.meta.url));

/**
 * Tests run on the sources: each package's public name resolves to its `src/index.ts`, and
 * `@tapegrad/test-support/<module>` to `test-support/<module>.ts`.
 */
const alias = {
  '@tapegrad/core': src('core'),
  '@tapegrad/nn': src('nn'),
  '@tapegrad/optim': src('optim'),
  '@tapegrad/data': src('data'),
  '@tapegrad/test-support': testSupport,
};

/** Registers the `toBeAllclose` matcher in every project. */
const setupFiles = [`${testSupport}/setup.ts`];

const project = (name: string, include: string[], extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  test: { name, include, setupFiles, testTimeout: 60_000, ...extra },
});

export default defineConfig({
  test: {
    // the JSON report is what .ci/run counts (scripts/test-summary.mjs)
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
    projects: [
      project('core', ['packages/core/src/**/*.test.ts']),
      project('nn', ['packages/nn/src/**/*.test.ts']),
      project('optim', ['packages/optim/src/**/*.test.ts']),
      project('data', ['packages/data/src/**/*.test.ts']),
      project('examples', ['examples/**/*.test.ts']),
      project('workspace', ['test-support/**/*.test.ts', 'bench/**/*.test.ts']),
    ],
  },
});
