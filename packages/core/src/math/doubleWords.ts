/**
 * A float64's two 32-bit halves, as fdlibm reads and writes them (its `GET_HIGH_WORD`,
 * `SET_LOW_WORD`, ... macros), through one shared 8-byte buffer in the platform's byte order.
 * @module
 * @internal
 */

const bits = new Float64Array(1);
const words = new Int32Array(bits.buffer);
/** Index of the high word (sign, exponent, top 20 bits of the fraction) in `words`. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** The high word of `x` as a signed 32-bit integer (negative when the sign bit is set). @internal */
export function highWord(x: number): number {
  bits[0] = x;
  return words[HI]!;
}

/** The low word of `x` as a signed 32-bit integer (fdlibm's unsigned `lx`, compared with 0 only or masked). @internal */
export function lowWord(x: number): number {
  bits[0] = x;
  return words[LO]!;
}

/** `x` with its high word replaced by `hi`. @internal */
export function withHighWord(x: number, hi: number): number {
  bits[0] = x;
  words[HI] = hi;
  return bits[0];
}

/** `x` with its low word replaced by `lo` (`withLowWord(x, 0)` clears the low 32 bits). @internal */
export function withLowWord(x: number, lo: number): number {
  bits[0] = x;
  words[LO] = lo;
  return bits[0];
}

/** The float64 with high word `hi` and low word `lo`. @internal */
export function fromWords(hi: number, lo: number): number {
  words[HI] = hi;
  words[LO] = lo;
  return bits[0]!;
}
