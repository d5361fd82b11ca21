#!/usr/bin/env node
// Prints the line CI reads, `tests: N passed, N failed`, from vitest's JSON report. A missing
// report (the typecheck or vitest itself failed before reporting) and any extra failed check passed
// as an argument count as failures.
import { existsSync, readFileSync } from 'node:fs';

const extraFailures = Number(process.argv[2] ?? 0);
const file = new URL('../.vitest-results.json', import.meta.url);
let passed = 0;
let failed = extraFailures;
if (existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.success === false && !report.numFailedTests ? 1 : 0);
} else {
  failed += 1;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
