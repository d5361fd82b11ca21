/**
 * The ranges {@link RandomState}'s draws take: checks of their bounds, with messages that name the
 * draw, and the mask of randint's masked rejection.
 * @module
 * @internal
 */

/** The smallest `2^k - 1 >= r`, for r in [0, 2**32 - 1]: the mask of masked rejection. @internal */
export function maskFor(r: number): number {
  return r === 0 ? 0 : 0xffffffff >>> Math.clz32(r);
}

/** Checks randint's bounds and returns `r = high - 1 - low`, in [0, 2**32 - 1]. @internal */
export function checkIntRange(where: string, low: number, high: number): number {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
    throw new RangeError(`${where}: low and high must be safe integers (got low=${String(low)}, high=${String(high)})`);
  }
  if (low >= high) throw new RangeError(`${where}: expected low < high (got low=${low}, high=${high})`);
  const r = high - 1 - low;
  if (r > 0xffffffff) {
    throw new RangeError(`${where}: high - low must be at most 2**32, numpy's 64-bit path is not implemented (got ${high - low})`);
  }
  return r;
}

/** Checks that a normal's scale is >= 0 (not NaN). @internal */
export function checkScale(where: string, scale: number): void {
  if (!(scale >= 0)) throw new RangeError(`${where}: scale must be >= 0 (got ${String(scale)})`);
}

/** `high - low`, which must be finite, as numpy's `uniform` requires. @internal */
export function checkRange(where: string, low: number, high: number): number {
  const range = high - low;
  if (!Number.isFinite(range)) {
    throw new RangeError(`${where}: high - low must be finite (got low=${String(low)}, high=${String(high)})`);
  }
  return range;
}
