/**
 * Comparing arrays, numpy's `allclose` rule elementwise:
 * `|actual − expected| ≤ atol + rtol·|expected|`, where the absolute part may also be given the
 * reference vectors' way, `a·max(1, max|expected|)` (see reference/README.upstream.md, "Tolerances").
 * NaN matches NaN, and equal values (±Infinity too) always match. {@link worstViolation} is the one
 * implementation; the `toBeAllclose` matcher (matchers.ts) reports what it finds.
 * @module
 */
import type { Tensor } from '@tapegrad/core';
import type { ReferenceArray } from './reference.js';

/** What can be compared: a Tensor, a typed or plain number array, a reference array, or one number. */
export type Comparable = Tensor | ArrayLike<number> | ReferenceArray | number;

/**
 * The tolerances of one comparison. The absolute part is `atol + a·max(1, max|expected|)`; with
 * neither `atol` nor `a` it is numpy's 1e-8. `rtol` defaults to numpy's 1e-5.
 */
export interface Tolerance {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance. */
  atol?: number;
  /** Absolute tolerance scaled by `max(1, max|expected|)`, the reference vectors' form. */
  a?: number;
}

/** The reference vectors' tolerances by dtype and kind of op (README.upstream.md, "Tolerances"). */
export function toleranceFor(dtype: string, kind: 'elementwise' | 'reduction'): Required<Pick<Tolerance, 'rtol' | 'a'>> {
  if (dtype === 'float32') return { rtol: 1e-5, a: 1e-5 };
  return { rtol: kind === 'elementwise' ? 1e-10 : 1e-8, a: 1e-12 };
}

/** The values of `x` in row-major order and its shape, when it carries one. */
export function valuesOf(x: Comparable): { values: ArrayLike<number>; shape?: readonly number[] } {
  if (typeof x === 'number') return { values: [x] };
  if (typeof x !== 'object' || x === null) throw new TypeError(`toBeAllclose: expected a Tensor, an array or a number (got ${x === null ? 'null' : typeof x})`);
  if ('toFloat64Array' in x && typeof x.toFloat64Array === 'function') return { values: x.toFloat64Array(), shape: x.shape };
  if ('data' in x && 'shape' in x && Array.isArray(x.data)) return { values: x.data, shape: x.shape };
  if (typeof (x as ArrayLike<number>).length !== 'number') throw new TypeError('toBeAllclose: expected a Tensor, an array or a number (got an object without length)');
  return { values: x as ArrayLike<number> };
}

/** What {@link worstViolation} finds: nothing (`null`), shapes or lengths that differ, or the worst element. */
export type Violation =
  | null
  | { kind: 'shape'; actual: readonly number[]; expected: readonly number[] }
  | { kind: 'length'; actual: number; expected: number }
  | {
    kind: 'value';
    /** How far past its allowance the worst element is (`Infinity` where a NaN or an infinity meets another value). */
    excess: number;
    /** The worst element's flat index, and its index per axis when the expected side has a shape. */
    index: number;
    multiIndex?: number[];
    actual: number;
    expected: number;
    /** The allowance at that element, `atol + rtol·|expected|`. */
    allowed: number;
    /** How many elements are out of tolerance, of how many. */
    count: number;
    size: number;
  };

/** The row-major index per axis of flat index `i` in `shape`. */
function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return out;
}

/**
 * The worst element of `actual` against `expected` under `tol`, or `null` when every element is
 * within tolerance. Shapes must agree when both sides carry one, lengths always.
 */
export function worstViolation(actual: Comparable, expected: Comparable, tol: Tolerance = {}): Violation {
  const A = valuesOf(actual);
  const E = valuesOf(expected);
  if (A.shape && E.shape && (A.shape.length !== E.shape.length || A.shape.some((d, i) => d !== E.shape![i]))) {
    return { kind: 'shape', actual: [...A.shape], expected: [...E.shape] };
  }
  if (A.values.length !== E.values.length) return { kind: 'length', actual: A.values.length, expected: E.values.length };
  let maxAbs = 0;
  for (let i = 0; i < E.values.length; i++) if (Number.isFinite(E.values[i])) maxAbs = Math.max(maxAbs, Math.abs(E.values[i]!));
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol === undefined && tol.a === undefined ? 1e-8 : (tol.atol ?? 0) + (tol.a ?? 0) * Math.max(1, maxAbs);
  let worst: Extract<Violation, { kind: 'value' }> | null = null;
  let count = 0;
  for (let i = 0; i < E.values.length; i++) {
    const a = A.values[i]!, e = E.values[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const allowed = atol + rtol * Math.abs(e);
    const diff = Math.abs(a - e);
    // a NaN or an infinity matches only its equal (above), as in numpy's isclose
    const finite = Number.isFinite(a) && Number.isFinite(e);
    if (finite && diff <= allowed) continue;
    count++;
    const excess = finite ? diff - allowed : Infinity;
    if (worst === null || excess > worst.excess) worst = { kind: 'value', excess, index: i, actual: a, expected: e, allowed, count: 0, size: E.values.length };
  }
  if (worst === null) return null;
  worst.count = count;
  const shape = E.shape ?? A.shape;
  if (shape && shape.length > 1) worst.multiIndex = unravel(worst.index, shape);
  return worst;
}

/** Three significant digits, for the difference and the allowance (the values are shown in full). */
const round3 = (x: number) => Number(x.toPrecision(3));

/** The shape as text, `[2, 3]`. */
// not core's formatShape: this file is loaded by the matcher's setup file, and a value import of
// @tapegrad/core there would load core before a test's vi.mock of its modules can apply
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** A one-line account of `v` for a failure message (`null`: everything matched). */
export function describeViolation(v: Violation, tol: Tolerance = {}): string {
  const tolText = [`rtol ${tol.rtol ?? 1e-5}`, ...(tol.atol !== undefined ? [`atol ${tol.atol}`] : []), ...(tol.a !== undefined ? [`a ${tol.a}`] : []),
    ...(tol.atol === undefined && tol.a === undefined ? ['atol 1e-8'] : [])].join(', ');
  if (v === null) return `every element within tolerance (${tolText})`;
  if (v.kind === 'shape') return `shape mismatch: got ${shapeText(v.actual)}, expected ${shapeText(v.expected)}`;
  if (v.kind === 'length') return `length mismatch: got ${v.actual} values, expected ${v.expected}`;
  const where = v.multiIndex ? `${v.index} ${shapeText(v.multiIndex)}` : `${v.index}`;
  return `${v.count} of ${v.size} elements out of tolerance (${tolText}); worst at index ${where}: got ${v.actual}, expected ${v.expected} ` +
    `(|diff| ${round3(Math.abs(v.actual - v.expected))} > allowed ${round3(v.allowed)})`;
}
