#!/usr/bin/env node
// Prints the line CI reads, `tests: N passed, N failed`, summed over vitest's JSON reports.
// Usage: test-summary.mjs [extraFailures] [report ...] (default report: .vitest-results.json). A
// missing report (the typecheck or vitest itself failed before reporting) and the extra failed
// checks count as failures.
import { existsSync, readFileSync } from 'node:fs';

const extraFailures = Number(process.argv[2] ?? 0);
const names = process.argv.length > 3 ? process.argv.slice(3) : ['.vitest-results.json'];
let passed = 0;
let failed = extraFailures;
for (const name of names) {
  const file = new URL(`../${name}`, import.meta.url);
  if (existsSync(file)) {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += (report.numFailedTests ?? 0) + (report.success === false && !report.numFailedTests ? 1 : 0);
  } else {
    console.log(`ci: no test report ${name}`);
    failed += 1;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
