/**
 * What the benchmarks share: deterministic operands and the median of timings.
 * @module
 */
import type { FloatArray } from '@tapegrad/core';

/** Deterministic values in [-1, 1): a 32-bit LCG, so that runs (and implementations) are comparable. */
export function filled(dtype: 'float32' | 'float64', length: number, seed: number): FloatArray {
  const data = dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return data;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
