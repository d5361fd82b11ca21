import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The consumer test only (scripts/consumer-test): not one of the suite's projects, since it packs
 * and installs the built packages rather than testing the sources. `.ci/run` counts its JSON report.
 */
export default defineConfig({
  // test-support's helpers from their sources, as in the suite (vitest.config.ts)
  resolve: { alias: { '@tapegrad/test-support': fileURLToPath(new URL('../../test-support', import.meta.url)) } },
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['scripts/consumer-test/**/*.test.ts'],
    setupFiles: [fileURLToPath(new URL('../../test-support/setup.ts', import.meta.url))],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results-consumer.json' },
  },
});
