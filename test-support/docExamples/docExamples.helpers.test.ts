import { describe, expect, test } from 'vitest';
import { mismatch, parseExpectation } from './expectations.js';
import { examplesFromMarkdown, examplesFromSource, instrument } from './extract.js';

describe('parseExpectation', () => {
  test('reads literals separated by spaces, one per printed argument', () => {
    expect(parseExpectation(" [2, 3] 'float64'")).toEqual([[2, 3], 'float64']);
    expect(parseExpectation(' true false')).toEqual([true, false]);
    expect(parseExpectation(' [[1, 2], [3, 4]]')).toEqual([[[1, 2], [3, 4]]]);
    expect(parseExpectation(' -1.5e-3 NaN -Infinity null')).toEqual([-1.5e-3, NaN, -Infinity, null]);
    expect(parseExpectation(" { ok: true, 'a b': [1] }")).toEqual([{ ok: true, 'a b': [1] }]);
    expect(parseExpectation(' []')).toEqual([[]]);
  });

  test('treats approximations and prose as unchecked', () => {
    expect(parseExpectation(' ≈ [2, 4]')).toBeNull();
    expect(parseExpectation(' np.random.seed(231); np.random.randn(2)')).toBeNull();
    expect(parseExpectation(" 'float32' unless setDefaultDtype changed it")).toBeNull();
    expect(parseExpectation(' 3 batches: 2 + 2 + 1')).toBeNull();
    expect(parseExpectation(' 96: 8 + a 64-byte header')).toBeNull();
    expect(parseExpectation(' [1, 2')).toBeNull();
    expect(parseExpectation(' 1,2')).toBeNull();
    expect(parseExpectation(' ')).toBeNull();
  });
});

describe('mismatch', () => {
  test('accepts equal structures, typed arrays as arrays, numbers within a relative 1e-6', () => {
    expect(mismatch([2, 3], [2, 3])).toBeNull();
    expect(mismatch(new Float32Array([0.25, 0.5]), [0.25, 0.5])).toBeNull();
    expect(mismatch(0.1 + 0.2, 0.3)).toBeNull();
    expect(mismatch(-0, 0)).toBeNull();
    expect(mismatch(NaN, NaN)).toBeNull();
    expect(mismatch({ ok: true }, { ok: true })).toBeNull();
  });

  test('names where a printed value differs', () => {
    expect(mismatch([[1, 2], [3, 5]], [[1, 2], [3, 4]])).toBe('expected 4 at [1][1], printed 5');
    expect(mismatch([1, 2, 3], [1, 2])).toMatch(/expected 2 elements, printed 3/);
    expect(mismatch('float32', 'float64')).toBe("expected 'float64', printed 'float32'");
    expect(mismatch(1.00001, 1)).not.toBeNull();
    expect(mismatch('1', 1)).not.toBeNull();
    expect(mismatch({ ok: true, extra: 1 }, { ok: true })).toMatch(/extra keys extra/);
  });
});

describe('instrument', () => {
  test('routes each console.log to the line it ends on and collects the stated values', () => {
    const code = ["const x = 1;", "console.log(x, 'a'); // 1 'a'", 'console.log(', '  x,', '); // 1', 'console.log(x); // ≈ 1'].join('\n');
    const out = instrument(code, './runtime.js');
    expect(out.module).toContain("__docLog(2)(x, 'a')");
    expect(out.module).toContain('__docLog(5)(');
    expect(out.checks.map((c) => [c.line, c.expected])).toEqual([[2, [1, 'a']], [5, [1]]]);
    expect(out.problems).toEqual([]);
    expect(out.module.split('\n')[out.prologueLines]).toBe('const x = 1;');
  });

  test('flags a stated value on a line that prints nothing', () => {
    const out = instrument('const n = 6; // 6', './runtime.js');
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatch(/^line 1: .*no console\.log/);
  });

  test('moves relative imports, and leaves package imports alone', () => {
    const out = instrument("import { a } from './gemm.js';\nimport { b } from '@tapegrad/core';", './runtime.js', (s) => `../src/${s.slice(2)}`);
    expect(out.module).toContain('from "../src/gemm.js"');
    expect(out.module).toContain("from '@tapegrad/core'");
  });
});

describe('examplesFromSource', () => {
  const source = [
    '/**',
    ' * The module.',
    ' * @module',
    ' */',
    '/**',
    ' * Adds.',
    ' * @example',
    ' * ```ts',
    ' * console.log(1); // 1',
    ' * ```',
    ' * @example',
    ' * ```ts',
    ' * // not run: downloads things',
    ' * await fetch("x");',
    ' * ```',
    ' */',
    'export function add(): void {}',
    'export class Box {',
    '  /**',
    '   * Gets.',
    '   * @example',
    '   * ```ts',
    '   *   const indented = true;',
    '   * ```',
    '   */',
    '  get(): void {}',
    '  /** Without a block. @example const x = 1; */',
    '  put(): void {}',
    '}',
  ].join('\n');
  const examples = examplesFromSource('pkg/src/x.ts', source);

  test('names each block by its declaration and finds its line', () => {
    expect(examples.map((e) => [e.symbol, e.index, e.line])).toEqual([
      ['add', 1, 9], ['add', 2, 13], ['Box.get', 1, 23], ['Box.put', 1, 27],
    ]);
    expect(examples[0]!.code).toBe('console.log(1); // 1');
    expect(examples[2]!.code).toBe('  const indented = true;');
  });

  test('reads the not-run marker, and flags an @example with no ts block', () => {
    expect(examples.map((e) => e.notRun)).toEqual([null, 'downloads things', null, null]);
    expect(examples[3]!.problem).toMatch(/no ```ts block/);
  });
});

describe('examplesFromMarkdown', () => {
  test('takes ts blocks only, named by the heading above them', () => {
    const md = ['# Guide', '```sh', 'pnpm docs', '```', '## Tensors', '```ts', 'const a = 1;', '```', '```typescript', 'const b = 2;', '```'].join('\n');
    expect(examplesFromMarkdown('guides/g.md', md).map((e) => [e.symbol, e.index, e.line, e.code])).toEqual([
      ['Tensors', 1, 7, 'const a = 1;'],
      ['Tensors', 2, 10, 'const b = 2;'],
    ]);
  });
});
