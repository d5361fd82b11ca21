/**
 * The natural logarithm written out in TypeScript so that every engine gives the same bits: a port of
 * fdlibm's `__ieee754_log` (Sun's e_log.c, 1993, as FreeBSD's msun and V8's `base::ieee754::log`
 * carry it). ECMAScript leaves `Math.log`'s rounding to the engine, and engines differ in the last
 * bit: Chromium 156's `Math.log` gives other bits than Node 20's (V8's fdlibm port) for about one
 * argument in fourteen in (0, 1), so core's gaussians (Marsaglia's polar method takes a log per pair)
 * came out an ulp apart in a page and in Node. This function is additions, multiplications, one
 * division and bit manipulation, each rounded as IEEE 754 requires of every engine, so it gives the
 * same bits everywhere; on Node 20 it gives `Math.log`'s bits (fdlibmLog.test.ts checks millions of
 * arguments), so numpy's vectors (rng.json) and every result computed before it stay as they were.
 * @module
 * @internal
 */
import { highWord, lowWord, withHighWord } from './doubleWords.js';

// fdlibm's constants, with their IEEE 754 bits (high word, low word) as e_log.c gives them
const LN2_HI = 6.93147180369123816490e-01; // 3fe62e42 fee00000
const LN2_LO = 1.90821492927058770002e-10; // 3dea39ef 35793c76
const TWO54 = 1.80143985094819840000e+16; // 43500000 00000000
const LG1 = 6.666666666666735130e-01; // 3FE55555 55555593
const LG2 = 3.999999999940941908e-01; // 3FD99999 9997FA04
const LG3 = 2.857142874366239149e-01; // 3FD24924 94229359
const LG4 = 2.222219843214978396e-01; // 3FCC71C5 1D8E78AF
const LG5 = 1.818357216161805012e-01; // 3FC74664 96CB03DE
const LG6 = 1.531383769920937332e-01; // 3FC39A09 D078C69F
const LG7 = 1.479819860511658591e-01; // 3FC2F112 DF3E5244

/**
 * ln(x), bit for bit as fdlibm's `__ieee754_log` computes it (error below 1 ulp; ln(±0) = -Infinity,
 * ln(x < 0) = NaN, ln(Infinity) = Infinity, ln(NaN) = NaN).
 *
 * Method (fdlibm's): write x = 2^k · (1 + f) with √2/2 < 1 + f < √2; with s = f / (2 + f),
 * ln(1 + f) = 2s + 2/3 s³ + 2/5 s⁵ + ... = f - s · (f - R(s²)), R a degree-14 Remez polynomial; then
 * ln(x) = k · ln2_hi + (ln(1 + f) + k · ln2_lo), where k · ln2_hi is exact for |k| < 2000.
 *
 * @param x - any number.
 * @returns the natural logarithm of `x`.
 * @internal
 */
export function fdlibmLog(x: number): number {
  cell[0] = x;
  logOfCell();
  return cell[0]!;
}

/**
 * The argument and the result of {@link logOfCell}. fdlibmLog's body is past the size up to which V8
 * inlines a function, so a call of it passes its argument and its result as heap numbers, two
 * objects per call (per softmax line, per gaussian pair); a call through this cell passes none:
 * the body takes no number and returns none, and the three-line `fdlibmLog` around it is inlined.
 */
const cell = new Float64Array(1);

/** fdlibm's `__ieee754_log` of `cell[0]`, into `cell[0]`. */
function logOfCell(): void {
  let x = cell[0]!;
  let hx = highWord(x);
  let k = 0;
  if (hx < 0x00100000) { // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lowWord(x)) === 0) { // ln(±0)
      cell[0] = -Infinity;
      return;
    }
    if (hx < 0) { // ln(negative)
      cell[0] = Number.NaN;
      return;
    }
    k -= 54;
    x *= TWO54; // scale a subnormal up
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) { // Infinity or NaN
    cell[0] = x + x;
    return;
  }
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  const f = withHighWord(x, hx | (i ^ 0x3ff00000)) - 1.0; // x normalized to [√2/2, √2), minus 1
  k += i >> 20;
  if ((0x000fffff & (2 + hx)) < 3) { // -2^-20 <= f < 2^-20
    if (f === 0) {
      cell[0] = k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
      return;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    cell[0] = k === 0 ? f - R : k * LN2_HI - ((R - k * LN2_LO) - f);
    return;
  }
  const s = f / (2.0 + f);
  const dk = k;
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    cell[0] = k === 0 ? f - (hfsq - s * (hfsq + R)) : dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
    return;
  }
  cell[0] = k === 0 ? f - s * (f - R) : dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}
