/**
 * Anomaly mode, like PyTorch's `detect_anomaly`: every op's forward output and every backward
 * gradient is checked for NaN and ±Infinity, and the first op that produced one is named, with its
 * shapes and the place in the program that created it.
 * @module
 */
import { formatShape } from './text.js';
import { toFloat64 } from './kernels/layout.js';
import type { NdArray } from './dtype.js';

/**
 * An op produced NaN or ±Infinity while anomaly mode was on.
 *
 * @example
 * ```ts
 * import { detectAnomaly, tensor, AnomalyError } from '@tapegrad/core';
 * try { detectAnomaly(() => tensor([-1]).log()); } catch (e) { console.log(e instanceof AnomalyError); } // true
 * ```
 * @category Errors
 */
export class AnomalyError extends Error {
  override readonly name = 'AnomalyError';
}

let enabled = false;

/**
 * Runs `fn` with anomaly mode on: an op whose forward or backward produces NaN or ±Infinity from
 * finite inputs throws an {@link AnomalyError} naming the op, the shapes, and where the op was
 * created. Slow (every value is checked, and a stack is taken per op): for debugging.
 *
 * @example
 * ```ts
 * import { detectAnomaly, tensor } from '@tapegrad/core';
 * const x = tensor([0], { requiresGrad: true });
 * try {
 *   detectAnomaly(() => x.sqrt().sum().backward());  // d√x/dx at 0 is Infinity
 * } catch (e) {
 *   console.log(String(e).startsWith('AnomalyError: sqrt.backward')); // true
 * }
 * ```
 * @category Autograd
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * Turns anomaly mode on or off for what follows (see {@link detectAnomaly}).
 *
 * @example
 * ```ts
 * import { setAnomalyDetection, isAnomalyDetectionEnabled } from '@tapegrad/core';
 * setAnomalyDetection(true);
 * console.log(isAnomalyDetectionEnabled()); // true
 * setAnomalyDetection(false);
 * ```
 * @category Autograd
 */
export function setAnomalyDetection(on: boolean): void {
  enabled = on;
}

/**
 * Whether anomaly mode is on.
 *
 * @example
 * ```ts
 * import { isAnomalyDetectionEnabled } from '@tapegrad/core';
 * console.log(isAnomalyDetectionEnabled()); // false
 * ```
 * @category Autograd
 */
export function isAnomalyDetectionEnabled(): boolean {
  return enabled;
}

/** The first NaN or ±Infinity in `x`: its flat index and value, or null. @internal */
export function firstNonFinite(x: NdArray): { index: number; value: number } | null {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') return null;
  const values = toFloat64(x);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return { index: i, value: values[i]! };
  return null;
}

/** The caller's frames outside tapegrad's own files: where an op was created. @internal */
export function creationSite(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const frames = stack.split('\n').slice(1).map((l) => l.trim());
  const ownFile = /[/\\]packages[/\\]core[/\\](src|dist)[/\\](?!.*\.test\.)|[/\\]@tapegrad[/\\]core[/\\]/;
  const user = frames.filter((f) => !ownFile.test(f) && !f.includes('node:internal'));
  return (user.length ? user : frames).slice(0, 3).join('\n    ');
}

/** How an anomaly's message names an op's input shapes: `inputs [2, 3], [3]`. @internal */
export function describeInputs(shapes: readonly (readonly number[])[]): string {
  return `inputs ${shapes.map(formatShape).join(', ')}`;
}

/**
 * Throws when `produced` holds a non-finite value while every array in `from` was finite.
 * @internal
 */
export function checkFinite(where: string, produced: NdArray, from: readonly NdArray[], shapes: string, site: string | undefined): void {
  const bad = firstNonFinite(produced);
  if (bad === null || from.some((x) => firstNonFinite(x) !== null)) return;
  throw new AnomalyError(
    `${where}: produced ${bad.value} at flat index ${bad.index} of ${formatShape(produced.shape)} from finite values (${shapes})` +
      (site ? `\n  created at\n    ${site}` : ''),
  );
}
