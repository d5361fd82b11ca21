/**
 * Comparing arrays with the reference vectors' tolerance rule:
 * `|actual - expected| <= atol + rtol·|expected|`, with `atol = a·max(1, max|expected|)`
 * (see reference/README.upstream.md, "Tolerances").
 * @module
 */
import { expect } from 'vitest';
import type { Tensor } from '@tapegrad/core';
import type { ReferenceArray } from './reference.js';

/** Tolerances of one comparison: relative, and the absolute scale `a`. */
export interface Tolerance {
  rtol: number;
  a: number;
}

/** The README's tolerances by dtype and kind of op. */
export function toleranceFor(dtype: string, kind: 'elementwise' | 'reduction'): Tolerance {
  if (dtype === 'float32') return { rtol: 1e-5, a: 1e-5 };
  return { rtol: kind === 'elementwise' ? 1e-10 : 1e-8, a: 1e-12 };
}

function valuesOf(x: Tensor | ArrayLike<number> | ReferenceArray): { values: ArrayLike<number>; shape?: readonly number[] } {
  if ('toFloat64Array' in x && typeof x.toFloat64Array === 'function') return { values: x.toFloat64Array(), shape: x.shape };
  if ('data' in x && 'shape' in x && Array.isArray((x as ReferenceArray).data)) {
    const r = x as ReferenceArray;
    return { values: r.data, shape: r.shape };
  }
  return { values: x as ArrayLike<number> };
}

/**
 * The largest violation of the tolerance rule (0 when all pass), and the index where it happens.
 * Shapes must agree when both sides carry one.
 */
export function worstViolation(actual: Tensor | ArrayLike<number> | ReferenceArray, expected: Tensor | ArrayLike<number> | ReferenceArray, tol: Tolerance): { excess: number; index: number; actual: number; expected: number } {
  const A = valuesOf(actual);
  const E = valuesOf(expected);
  if (A.shape && E.shape) expect([...A.shape]).toEqual([...E.shape]);
  expect(A.values.length).toBe(E.values.length);
  let maxAbs = 0;
  for (let i = 0; i < E.values.length; i++) maxAbs = Math.max(maxAbs, Math.abs(E.values[i]!));
  const atol = tol.a * Math.max(1, maxAbs);
  let worst = { excess: 0, index: -1, actual: NaN, expected: NaN };
  for (let i = 0; i < E.values.length; i++) {
    const a = A.values[i]!, e = E.values[i]!;
    const excess = Math.abs(a - e) - (atol + tol.rtol * Math.abs(e));
    if (!(excess <= worst.excess) || (Number.isNaN(a) !== Number.isNaN(e))) {
      if (Number.isNaN(a) && Number.isNaN(e)) continue;
      worst = { excess: Number.isNaN(excess) ? Infinity : excess, index: i, actual: a, expected: e };
    }
  }
  return worst;
}

/** Asserts `actual` matches `expected` within `tol`, with a message naming the worst element. */
export function expectAllClose(actual: Tensor | ArrayLike<number> | ReferenceArray, expected: Tensor | ArrayLike<number> | ReferenceArray, tol: Tolerance, label = ''): void {
  const w = worstViolation(actual, expected, tol);
  expect(w.excess, `${label} element ${w.index}: got ${w.actual}, expected ${w.expected}`).toBeLessThanOrEqual(0);
}
