import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

/** Tests run on the sources: each package's public name resolves to its `src/index.ts`. */
const alias = {
  '@tapegrad/core': src('core'),
  '@tapegrad/nn': src('nn'),
  '@tapegrad/optim': src('optim'),
  '@tapegrad/data': src('data'),
};

const project = (name: string, include: string[], extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  test: { name, include, testTimeout: 60_000, ...extra },
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
