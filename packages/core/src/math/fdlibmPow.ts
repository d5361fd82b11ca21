/**
 * `x ** y` written out in TypeScript so that every engine gives the same bits: a port of V8's
 * `base::ieee754::legacy::pow`, which is what Node 20's `Math.pow` and `**` run: fdlibm's
 * `__ieee754_pow` (Sun's e_pow.c, 1993) with ECMAScript's special values and one line of its last
 * step changed (marked below). ECMAScript leaves `Math.pow`'s rounding to the engine, and engines
 * differ: Chromium 156 gives other bits than Node 20 for about one `10 ** y` in ten, `10 ** -4` among them
 * (Node 0.00009999999999999999, Chromium 0.0001), `0.9 ** 4` too. This function is additions,
 * multiplications, divisions, one square root and bit manipulation, each rounded as IEEE 754
 * requires (and every engine does), so it gives the same bits everywhere; on Node 20 it gives
 * `Math.pow`'s bits (fdlibmPow.test.ts checks millions of argument pairs), so every result computed
 * before it stays as it was.
 * @module
 * @internal
 */
import { fromWords, highWord, lowWord, withHighWord, withLowWord } from './doubleWords.js';

// fdlibm's constants, with their IEEE 754 bits as e_pow.c gives them
const DP_H1 = 5.84962487220764160156e-01; // 0x3FE2B803, 0x40000000: log2(1.5), high part
const DP_L1 = 1.35003920212974897128e-08; // 0x3E4CFDEB, 0x43CFD006: its tail
const TWO53 = 9007199254740992.0; // 0x43400000, 0x00000000
const HUGE = 1.0e300;
const TINY = 1.0e-300;
// (3/2)·(log(x) - 2s - 2/3·s³) as a polynomial in s²
const L1 = 5.99999999999994648725e-01; // 0x3FE33333, 0x33333303
const L2 = 4.28571428578550184252e-01; // 0x3FDB6DB6, 0xDB6FABFF
const L3 = 3.33333329818377432918e-01; // 0x3FD55555, 0x518F264D
const L4 = 2.72728123808534006489e-01; // 0x3FD17460, 0xA91D4101
const L5 = 2.30660745775561754067e-01; // 0x3FCD864A, 0x93C9DB65
const L6 = 2.06975017800338417784e-01; // 0x3FCA7E28, 0x4A454EEF
// exp's polynomial (as in e_exp.c)
const P1 = 1.66666666666666019037e-01; // 0x3FC55555, 0x5555553E
const P2 = -2.77777777770155933842e-03; // 0xBF66C16C, 0x16BEBD93
const P3 = 6.61375632143793436117e-05; // 0x3F11566A, 0xAF25DE2C
const P4 = -1.65339022054652515390e-06; // 0xBEBBBD41, 0xC5D26BF1
const P5 = 4.13813679705723846039e-08; // 0x3E663769, 0x72BEA4D0
const LG2 = 6.93147180559945286227e-01; // 0x3FE62E42, 0xFEFA39EF
const LG2_H = 6.93147182464599609375e-01; // 0x3FE62E43, 0x00000000
const LG2_L = -1.90465429995776804525e-09; // 0xBE205C61, 0x0CA86C39
const OVT = 8.0085662595372944372e-17; // -(1024 - log2(ovfl + .5ulp))
const CP = 9.61796693925975554329e-01; // 0x3FEEC709, 0xDC3A03FD = 2/(3 ln2)
const CP_H = 9.61796700954437255859e-01; // 0x3FEEC709, 0xE0000000 = (float)cp
const CP_L = -7.02846165095275826516e-09; // 0xBE3E2FE0, 0x145B01F5 = tail of cp_h
const IVLN2 = 1.44269504088896338700e+00; // 0x3FF71547, 0x652B82FE = 1/ln2
const IVLN2_H = 1.44269502162933349609e+00; // 0x3FF71547, 0x60000000 = 24 bits of 1/ln2
const IVLN2_L = 1.92596299112661746887e-08; // 0x3E54AE0B, 0xF85DDF44 = its tail

/** `z · 2^n` rounded once, for a normal z near 1 and -1100 < n < -1000 (fdlibm's scalbn there). */
function scaleDown(z: number, n: number): number {
  return (z * fromWords((n + 1000 + 1023) << 20, 0)) * fromWords((1023 - 1000) << 20, 0);
}

/**
 * `x ** y`, bit for bit as V8's fdlibm-derived `legacy::pow` computes it (error below 1 ulp, exact
 * for representable integer powers of integers), with ECMAScript's special values: `y` NaN gives NaN,
 * `y` ±0 gives 1, `x` NaN gives NaN, `(±1) ** ±Infinity` gives NaN.
 *
 * Method (fdlibm's): log2(x) = t1 + t2 in extra precision (x = 2^n · (1 + f), a polynomial in
 * s = (x - b)/(x + b), b = 1 or 1.5), then y · log2(x) = n' + y' with |y'| <= 0.5 in simulated
 * multi-precision, and x^y = 2^n' · exp(y' · ln2).
 *
 * @param x - the base.
 * @param y - the exponent.
 * @returns `x` to the power `y`.
 * @internal
 */
export function fdlibmPow(x: number, y: number): number {
  if (Number.isNaN(y)) return Number.NaN;
  if (y === 0) return 1;
  if (Number.isNaN(x)) return Number.NaN;
  const hx = highWord(x), lx = lowWord(x) >>> 0;
  const hy = highWord(y), ly = lowWord(y) >>> 0;
  let ix = hx & 0x7fffffff;
  const iy = hy & 0x7fffffff;
  if (ix === 0x3ff00000 && lx === 0 && iy === 0x7ff00000 && ly === 0) return Number.NaN; // (±1) ** ±Infinity
  if (hx === 0x3ff00000 && lx === 0) return 1; // 1 ** y

  // when x < 0: yisint = 0 when y is not an integer, 1 when it is odd, 2 when even
  let yisint = 0;
  if (hx < 0) {
    if (iy >= 0x43400000) yisint = 2; // |y| >= 2^53: even
    else if (iy >= 0x3ff00000) {
      const e = (iy >> 20) - 0x3ff;
      if (e > 20) {
        const j = ly >>> (52 - e);
        if (((j << (52 - e)) >>> 0) === ly) yisint = 2 - (j & 1);
      } else if (ly === 0) {
        const j = iy >> (20 - e);
        if ((j << (20 - e)) === iy) yisint = 2 - (j & 1);
      }
    }
  }

  // y is ±Infinity, ±1, 2 or 1/2
  if (ly === 0) {
    if (iy === 0x7ff00000) {
      if (ix >= 0x3ff00000) return hy >= 0 ? y : 0; // (|x| > 1) ** ±Infinity
      return hy < 0 ? -y : 0; // (|x| < 1) ** ±Infinity
    }
    if (iy === 0x3ff00000) return hy < 0 ? 1 / x : x;
    if (hy === 0x40000000) return x * x;
    if (hy === 0x3fe00000 && hx >= 0) return Math.sqrt(x); // the hardware's IEEE 754 square root on every engine: correctly rounded
  }

  let ax = Math.abs(x);
  // x is ±0, ±Infinity or ±1
  if (lx === 0 && (ix === 0x7ff00000 || ix === 0 || ix === 0x3ff00000)) {
    let z = ax;
    if (hy < 0) z = 1 / z;
    if (hx < 0) {
      if (((ix - 0x3ff00000) | yisint) === 0) z = Number.NaN; // (-1) ** non-integer
      else if (yisint === 1) z = -z; // (x < 0) ** odd = -(|x| ** odd)
    }
    return z;
  }

  const negative = hx < 0;
  if (negative && yisint === 0) return Number.NaN; // (x < 0) ** non-integer
  const s = negative && yisint === 1 ? -1 : 1; // the sign of the result

  let t1: number, t2: number;
  if (iy > 0x41e00000) { // |y| > 2^31
    if (iy > 0x43f00000) { // |y| > 2^64: overflows or underflows
      if (ix <= 0x3fefffff) return hy < 0 ? HUGE * HUGE : TINY * TINY;
      if (ix >= 0x3ff00000) return hy > 0 ? HUGE * HUGE : TINY * TINY;
    }
    // overflow or underflow when x is not close to 1
    if (ix < 0x3fefffff) return hy < 0 ? s * HUGE * HUGE : s * TINY * TINY;
    if (ix > 0x3ff00000) return hy > 0 ? s * HUGE * HUGE : s * TINY * TINY;
    // |1 - x| <= 2^-20: log(x) by x - x²/2 + x³/3 - x⁴/4
    const t = ax - 1; // 20 trailing zeros
    const w = (t * t) * (0.5 - t * (0.3333333333333333333333 - t * 0.25));
    const u = IVLN2_H * t; // IVLN2_H has 21 significant bits
    const v = t * IVLN2_L - w * IVLN2;
    t1 = withLowWord(u + v, 0);
    t2 = v - (t1 - u);
  } else {
    let n = 0;
    if (ix < 0x00100000) { // subnormal x
      ax *= TWO53;
      n -= 53;
      ix = highWord(ax);
    }
    n += (ix >> 20) - 0x3ff;
    const j = ix & 0x000fffff;
    ix = j | 0x3ff00000; // normalize
    let k: number;
    if (j <= 0x3988e) k = 0; // |x| < sqrt(3/2)
    else if (j < 0xbb67a) k = 1; // |x| < sqrt(3)
    else {
      k = 0;
      n += 1;
      ix -= 0x00100000;
    }
    ax = withHighWord(ax, ix);
    const bp = k === 0 ? 1.0 : 1.5, dpH = k === 0 ? 0 : DP_H1, dpL = k === 0 ? 0 : DP_L1;
    // ss = sH + sL = (x - 1)/(x + 1) or (x - 1.5)/(x + 1.5)
    let u = ax - bp;
    let v = 1 / (ax + bp);
    const ss = u * v;
    const sH = withLowWord(ss, 0);
    // tH = ax + bp, high part
    let tH = fromWords(((ix >> 1) | 0x20000000) + 0x00080000 + (k << 18), 0);
    let tL = ax - (tH - bp);
    const sL = v * ((u - sH * tH) - sH * tL);
    // log(ax)
    let s2 = ss * ss;
    let r = s2 * s2 * (L1 + s2 * (L2 + s2 * (L3 + s2 * (L4 + s2 * (L5 + s2 * L6)))));
    r += sL * (sH + ss);
    s2 = sH * sH;
    tH = withLowWord(3.0 + s2 + r, 0);
    tL = r - ((tH - 3.0) - s2);
    // u + v = ss · (1 + ...)
    u = sH * tH;
    v = sL * tH + tL * ss;
    // 2/(3 log2) · (ss + ...)
    const pH = withLowWord(u + v, 0);
    const pL = v - (pH - u);
    const zH = CP_H * pH; // CP_H + CP_L = 2/(3 log2)
    const zL = CP_L * pH + pL * CP + dpL;
    // log2(ax) = (ss + ...) · 2/(3 log2) = n + dpH + zH + zL
    const t = n;
    t1 = withLowWord(((zH + zL) + dpH) + t, 0);
    t2 = zL - (((t1 - t) - dpH) - zH);
  }

  // split y into y1 + y2 and compute (y1 + y2) · (t1 + t2)
  const y1 = withLowWord(y, 0);
  const pL = (y - y1) * t1 + y * t2;
  let pH = y1 * t1;
  let z = pL + pH;
  let j = highWord(z);
  const i = lowWord(z);
  if (j >= 0x40900000) { // z >= 1024
    if (((j - 0x40900000) | i) !== 0) return s * HUGE * HUGE; // z > 1024: overflow
    if (pL + OVT > z - pH) return s * HUGE * HUGE;
  } else if ((j & 0x7fffffff) >= 0x4090cc00) { // z <= -1075
    if (((j - 0xc090cc00) | i) !== 0) return s * TINY * TINY; // z < -1075: underflow
    if (pL <= z - pH) return s * TINY * TINY;
  }
  // 2^(pH + pL)
  const iz = j & 0x7fffffff;
  let k = (iz >> 20) - 0x3ff;
  let n = 0;
  if (iz > 0x3fe00000) { // |z| > 0.5: n = [z + 0.5]
    n = j + (0x00100000 >> (k + 1));
    k = ((n & 0x7fffffff) >> 20) - 0x3ff; // k for n
    const t = fromWords(n & ~(0x000fffff >> k), 0);
    n = ((n & 0x000fffff) | 0x00100000) >> (20 - k);
    if (j < 0) n = -n;
    pH -= t;
  }
  let t = withLowWord(pL + pH, 0);
  const u = t * LG2_H;
  const v = (pL - (t - pH)) * LG2 + t * LG2_L;
  z = u + v;
  const w = v - (z - u);
  t = z * z;
  t1 = z - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  // V8's legacy::pow divides by the whole difference where e_pow.c has (z·t1)/(t1 - 2) - (w + z·w):
  // kept as V8 has it, so that the results are Node's to the last bit
  const r = (z * t1) / ((t1 - 2) - (w + z * w));
  z = 1 - (r - z);
  j = (highWord(z) + (n << 20)) | 0;
  z = (j >> 20) <= 0 ? scaleDown(z, n) : withHighWord(z, j);
  return s * z;
}
