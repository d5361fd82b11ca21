/**
 * The code the docs show runs, and prints what it says it prints.
 *
 * Every ```ts block in the doc comments of `packages/* /src/**.ts` (the `@example`s of every
 * symbol, exported or not) and in the markdown pages typedoc renders (`guides/**.md`, `README.md`,
 * `packages/* /README.md`) becomes its own test:
 *
 * - it is written to a module under `test-support/docExamples/generated/` (git-ignored) and
 *   imported, so `@tapegrad/*` resolve to the sources as in every other test;
 * - it must type-check with the repository's compiler options (`tsconfig.check.json`);
 * - it must run without throwing (top-level `await` is fine);
 * - a line whose trailing comment states values, `console.log(x.shape, x.dtype); // [2, 3] 'float64'`,
 *   must print exactly those values (one per argument; compared structurally, numbers to a relative
 *   1e-6). A comment that starts with `≈` or holds anything but literals is prose, not checked.
 *
 * A block that must not run here (it downloads, or writes outside a temp dir) says so on its first
 * line, `// not run: <why>`; it is still type-checked. Before each block the global state is reset:
 * default dtype float32, RNG seeded with 0 (as at start), anomaly mode off.
 * @module
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { manualSeed, setAnomalyDetection, setDefaultDtype } from '@tapegrad/core';
import { collectExamples, instrument, type DocExample, type Instrumented } from './docExamples/extract.js';
import { mismatch, show } from './docExamples/expectations.js';
import { setPrintSink } from './docExamples/runtime.js';
import { typecheck, type TypeProblem } from './docExamples/typecheck.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const generated = join(root, 'test-support', 'docExamples', 'generated');
const outDir = join(generated, `run-${process.pid}-${Date.now().toString(36)}`);

// runs that crashed leave their folder behind: drop those older than a day
mkdirSync(outDir, { recursive: true });
for (const name of readdirSync(generated)) {
  const dir = join(generated, name);
  if (dir !== outDir && Date.now() - statSync(dir).mtimeMs > 86_400_000) rmSync(dir, { recursive: true, force: true });
}

interface Prepared {
  example: DocExample;
  instrumented: Instrumented;
  file: string;
}

const examples = collectExamples(root);
const prepared: Prepared[] = examples.map((example, i) => {
  const slug = `${example.source}-${example.symbol}-${example.index}`.replace(/[^\w]+/g, '_').slice(0, 120);
  const file = join(outDir, `${String(i).padStart(4, '0')}_${slug}.mts`);
  // `./gemmPack.js` in an example means the file beside the documented one
  const relocate = (spec: string) => relative(outDir, join(root, dirname(example.source), spec)).split(sep).join('/');
  const instrumented = instrument(example.code, '../../runtime.js', relocate);
  writeFileSync(file, instrumented.module);
  return { example, instrumented, file };
});

let typeProblems = new Map<string, TypeProblem[]>();
beforeAll(() => {
  typeProblems = typecheck(root, prepared.filter((p) => !p.example.problem).map((p) => p.file));
}, 300_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function resetGlobals(): void {
  setDefaultDtype('float32');
  manualSeed(0);
  setAnomalyDetection(false);
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return `threw ${show(e)}`;
  const frames = (e.stack ?? '').split('\n').filter((l) => l.includes('/generated/') || l.includes('packages/')).slice(0, 4);
  return [`threw ${e.name}: ${e.message}`, ...frames.map((f) => `    ${f.trim()}`)].join('\n');
}

function numbered(code: string): string {
  return code.split('\n').map((l, i) => `${String(i + 1).padStart(3)} | ${l}`).join('\n');
}

async function check({ example, instrumented, file }: Prepared): Promise<void> {
  const problems: string[] = [];
  if (example.problem) problems.push(example.problem);
  for (const t of typeProblems.get(file) ?? []) problems.push(`line ${t.line - instrumented.prologueLines}: ${t.message}`);
  problems.push(...instrumented.problems);
  if (example.notRun === null && !example.problem) {
    const prints: { line: number; args: unknown[] }[] = [];
    setPrintSink((line, args) => prints.push({ line, args }));
    resetGlobals();
    let threw = false;
    try {
      await import(file);
    } catch (e) {
      threw = true;
      problems.push(describeError(e));
    } finally {
      setPrintSink(null);
      resetGlobals();
    }
    if (!threw) {
      for (const c of instrumented.checks) {
        const printed = prints.filter((p) => p.line === c.line);
        if (printed.length === 0) problems.push(`line ${c.line}: printed nothing (the comment says \`${c.comment}\`)`);
        for (const p of printed) {
          if (p.args.length !== c.expected.length) {
            problems.push(`line ${c.line}: \`// ${c.comment}\`: printed ${p.args.length} value(s), ${p.args.map(show).join(' ')}, where the comment states ${c.expected.length}`);
            continue;
          }
          c.expected.forEach((expected, i) => {
            const m = mismatch(p.args[i], expected);
            const arg = c.expected.length > 1 ? ` (value ${i + 1})` : '';
            if (m !== null) problems.push(`line ${c.line}: \`// ${c.comment}\`${arg}: ${m}`);
          });
        }
      }
    }
  }
  if (problems.length > 0) {
    const where = `${example.source}:${example.line} (${example.symbol}, example ${example.index})`;
    throw new Error(`${where}\n${problems.map((p) => `  - ${p}`).join('\n')}\n\n${numbered(example.code)}`);
  }
}

describe('doc examples', () => {
  test('every package has examples, and each example was found in its comment', () => {
    const sources = new Set(examples.map((e) => e.source.split('/').slice(0, 2).join('/')));
    for (const pkg of ['packages/core', 'packages/nn', 'packages/optim', 'packages/data']) expect(sources).toContain(pkg);
    expect(examples.filter((e) => e.source.startsWith('packages/') && e.code.includes('@tapegrad/')).length).toBeGreaterThan(100);
  });

  const bySource = new Map<string, Prepared[]>();
  for (const p of prepared) bySource.set(p.example.source, [...(bySource.get(p.example.source) ?? []), p]);
  for (const [source, items] of bySource) {
    describe(source, () => {
      for (const p of items) {
        const { symbol, index, notRun } = p.example;
        const name = `${symbol} example ${index}${notRun === null ? '' : ` (type-checked only; not run: ${notRun})`}`;
        test(name, () => check(p));
      }
    });
  }
});
