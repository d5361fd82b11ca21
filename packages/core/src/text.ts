/**
 * How tapegrad writes shapes, durations and names in messages and files; the other packages use
 * these instead of their own copies.
 * @module
 */

/**
 * A shape as error messages show it.
 *
 * @example
 * ```ts
 * import { formatShape } from '@tapegrad/core';
 * console.log(formatShape([50, 3072]), formatShape([])); // '[50, 3072]' '[]'
 * ```
 * @category Utilities
 */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * A duration as a clock shows it: `m:ss`, or `h:mm:ss` from an hour on, rounded to the second;
 * `unknown` for a duration that is not a finite number >= 0 (not known yet).
 *
 * @param seconds - the duration in seconds, or null when unknown.
 * @param unknown - what an unknown duration reads as (default `'--:--'`).
 * @example
 * ```ts
 * import { formatDuration } from '@tapegrad/core';
 * console.log(formatDuration(75.4), formatDuration(3725), formatDuration(Number.NaN)); // '1:15' '1:02:05' '--:--'
 * ```
 * @category Utilities
 */
export function formatDuration(seconds: number | null, unknown = '--:--'): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return unknown;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * camelCase to snake_case, as PyTorch's state-dict keys and option names are written:
 * an underscore before each capital that follows a lowercase letter or digit.
 *
 * @example
 * ```ts
 * import { toSnakeCase } from '@tapegrad/core';
 * console.log(toSnakeCase('runningMean'), toSnakeCase('expAvgSq'), toSnakeCase('W1'), toSnakeCase('gamma1')); // 'running_mean' 'exp_avg_sq' 'W1' 'gamma1'
 * ```
 * @category Utilities
 */
export function toSnakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, (_, before: string, upper: string) => `${before}_${upper.toLowerCase()}`);
}

/**
 * snake_case to camelCase: the inverse of {@link toSnakeCase} on names it produced.
 *
 * @example
 * ```ts
 * import { toCamelCase } from '@tapegrad/core';
 * console.log(toCamelCase('exp_avg_sq'), toCamelCase('lr')); // 'expAvgSq' 'lr'
 * ```
 * @category Utilities
 */
export function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
