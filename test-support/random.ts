/**
 * Seeded test data: one small generator for tests and bench scripts that want reproducible numbers
 * without the library's own RNG (whose streams they may be testing), and arrays drawn from it.
 * @module
 */

/**
 * mulberry32: a seeded generator of floats in [0, 1), 32 bits of state. The same seed gives the
 * same stream on every platform.
 */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The value {@link randomArray} puts before the data, so a stray read or write shows. */
export const SENTINEL = 7.25;

/** `length` values in [-1, 1) from `random`, after `offset` {@link SENTINEL} values. */
export function randomArray<C extends Float32ArrayConstructor | Float64ArrayConstructor>(
  Ctor: C, length: number, random: () => number, offset = 0,
): InstanceType<C> {
  const x = new Ctor(offset + length).fill(SENTINEL) as InstanceType<C>;
  for (let i = 0; i < length; i++) x[offset + i] = 2 * random() - 1;
  return x;
}
