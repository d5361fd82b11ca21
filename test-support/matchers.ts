/**
 * The `toBeAllclose` matcher (as jax-js has it): `expect(actual).toBeAllclose(expected, { rtol, atol })`
 * for Tensors, typed arrays, number arrays, reference arrays and single numbers, with numpy's
 * `allclose` rule ({@link worstViolation}). A failure names the worst element: its index, what came,
 * what was expected, or the shapes that differ. Registered for every test project by `setup.ts`;
 * the declaration below makes it type-check on `expect(...)` and `expect.toBeAllclose(...)`.
 * @module
 */
import type { MatcherResult, MatcherState } from 'vitest';
import { describeViolation, worstViolation, type Comparable, type Tolerance } from './allclose.js';

interface AllcloseMatchers<R = unknown> {
  /**
   * Elementwise `|actual − expected| ≤ atol + rtol·|expected|` (defaults rtol 1e-5, atol 1e-8; `a` is
   * an absolute tolerance scaled by `max(1, max|expected|)`), shapes equal when both sides have one.
   */
  toBeAllclose(expected: Comparable, tol?: Tolerance): R;
}

declare module 'vitest' {
  // `T = any` as in vitest's own declaration
  interface Matchers<T = any> extends AllcloseMatchers<T> {}
}

/** The matcher as `expect.extend` takes it. */
export function toBeAllclose(this: MatcherState, actual: unknown, expected: Comparable, tol: Tolerance = {}): MatcherResult {
  const v = worstViolation(actual as Comparable, expected, tol);
  const label = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.toBeAllclose`, 'actual', 'expected');
  return {
    pass: v === null,
    message: () => `${label}\n\n${describeViolation(v, tol)}`,
  };
}

/** Every matcher of this file, for `expect.extend`. */
export const allcloseMatchers = { toBeAllclose };
