import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The consumer test only (scripts/consumer-test): not one of the suite's projects, since it packs
 * and installs the built packages rather than testing the sources. `.ci/run` counts its JSON report.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['scripts/consumer-test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results-consumer.json' },
  },
});
