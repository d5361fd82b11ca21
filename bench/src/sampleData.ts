/**
 * What the benchmarks share: deterministic operands, the median of timings, and the paired tools'
 * summary of their round-by-round gains.
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

/** A ratio as a signed percentage: 1.042 reads `+4.2%`, 0.97 `-3.0%`. */
export function signedPercent(ratio: number): string {
  return `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
}

/** The gains of a paired tool's rounds: the median and the quartiles, each a ratio (1.04 = 4% faster). */
export interface PairedGains {
  readonly median: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * This build's gains over the other's, round by round: the other's time over this one's in the same
 * round (`thisTimes[r]` against `otherTimes[r]`), summarized by their median and quartiles.
 * @example
 * ```ts
 * import { pairedGains } from './sampleData.js';
 * console.log(pairedGains([1, 1, 1, 1], [1.1, 1.2, 1.0, 0.9]).median); // 1.05
 * ```
 */
export function pairedGains(thisTimes: readonly number[], otherTimes: readonly number[]): PairedGains {
  if (thisTimes.length === 0 || thisTimes.length !== otherTimes.length) {
    throw new Error(`pairedGains: expected two equally long non-empty lists of round times (got ${thisTimes.length} and ${otherTimes.length})`);
  }
  const gains = thisTimes.map((t, r) => otherTimes[r]! / t).sort((a, b) => a - b);
  const quartile = (q: number) => gains[Math.min(gains.length - 1, Math.floor(q * gains.length))]!;
  return { median: median(gains), lower: quartile(0.25), upper: quartile(0.75) };
}

/** `+4.0% (quartiles +1.2%, +6.3%)`: how the paired tools print {@link pairedGains}. */
export function formatGains(g: PairedGains): string {
  return `${signedPercent(g.median)} (quartiles ${signedPercent(g.lower)}, ${signedPercent(g.upper)})`;
}
