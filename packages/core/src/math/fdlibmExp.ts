/**
 * e^x written out in TypeScript so that every engine gives the same bits: a port of V8's
 * `base::ieee754::exp` (fdlibm's `__ieee754_exp`, Sun's e_exp.c, 1993, with V8's exact `exp(1)`),
 * which is what Node 20's `Math.exp` runs. ECMAScript leaves `Math.exp`'s rounding to the engine, and
 * engines differ: Chromium 156 gives other bits than Node 20 for about one argument in ten in [-20, 20]. This
 * function is additions, multiplications, divisions and bit manipulation, each rounded as IEEE 754
 * requires of every engine, so it gives the same bits everywhere; on Node 20 it gives `Math.exp`'s
 * bits (fdlibmExp.test.ts checks millions of arguments).
 *
 * The softmax kernel (kernels/softmax.ts) uses it, with `fdlibmLog`: a softmax cross-entropy loss is
 * then the same float64 number in a browser as in Node (with Math.exp and Math.log, fc-gradcheck's
 * gradient-check errors differed between Chromium and Node, visibly so on the TypeScript kernels).
 * @module
 * @internal
 */
import { fromWords, highWord, lowWord } from './doubleWords.js';

const O_THRESHOLD = 7.09782712893383973096e+02; // 0x40862E42, 0xFEFA39EF
const U_THRESHOLD = -7.45133219101941108420e+02; // 0xC0874910, 0xD52D3051
const LN2_HI = 6.93147180369123816490e-01; // 0x3FE62E42, 0xFEE00000
const LN2_LO = 1.90821492927058770002e-10; // 0x3DEA39EF, 0x35793C76
const INVLN2 = 1.44269504088896338700e+00; // 0x3FF71547, 0x652B82FE
const P1 = 1.66666666666666019037e-01; // 0x3FC55555, 0x5555553E
const P2 = -2.77777777770155933842e-03; // 0xBF66C16C, 0x16BEBD93
const P3 = 6.61375632143793436117e-05; // 0x3F11566A, 0xAF25DE2C
const P4 = -1.65339022054652515390e-06; // 0xBEBBBD41, 0xC5D26BF1
const P5 = 4.13813679705723846039e-08; // 0x3E663769, 0x72BEA4D0
const E = 2.718281828459045; // 0x4005BF0A, 0x8B145769: V8 returns it for exp(1), which the method gets 1 ulp off
const HUGE = 1.0e300;
const TWOM1000 = 9.33263618503218878990e-302; // 2^-1000
const TWO1023 = 8.988465674311579539e307; // 2^1023

/**
 * e^x, bit for bit as V8's fdlibm port computes it (error below 1 ulp; e^NaN = NaN, e^Infinity =
 * Infinity, e^-Infinity = 0, overflow to Infinity above 709.78, underflow to 0 below -745.13).
 *
 * Method (fdlibm's): x = k · ln2 + r with |r| <= ln2/2 (r as hi - lo), e^r = 1 + r + r·c(r)/(2 - c(r))
 * with c a degree-10 Remez polynomial, then e^x = 2^k · e^r.
 *
 * @param x - any number.
 * @returns e to the power `x`.
 * @internal
 */
export function fdlibmExp(x: number): number {
  let hx = highWord(x);
  const negative = hx < 0;
  hx &= 0x7fffffff;
  // |x| >= 709.78...: NaN, ±Infinity, overflow and underflow (the rest of that range goes on)
  if (hx >= 0x40862e42 && !(x <= O_THRESHOLD && x >= U_THRESHOLD)) return expOutOfRange(x, hx, negative);
  let hi = 0, lo = 0, k = 0;
  if (hx > 0x3fd62e42) { // |x| > ln2/2: reduce
    if (hx < 0x3ff0a2b2) { // and |x| < 1.5 ln2: k = ±1
      if (x === 1) return E;
      k = negative ? -1 : 1;
    } else {
      k = (INVLN2 * x + (negative ? -0.5 : 0.5)) | 0; // C's truncating (int) conversion
    }
    hi = x - k * LN2_HI; // k · LN2_HI is exact here (for k = ±1, x ∓ LN2_HI as fdlibm writes it)
    lo = k * LN2_LO;
    x = hi - lo;
  } else if (hx < 0x3e300000) { // |x| < 2^-28
    return 1 + x;
  }
  const t = x * x;
  const twopk = fromWords(0x3ff00000 + ((k >= -1021 ? k : k + 1000) << 20), 0);
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) return k === 1024 ? y * 2.0 * TWO1023 : y * twopk;
  return y * twopk * TWOM1000;
}

/**
 * fdlibmExp's first case, apart so that the common path stays small enough for the engine to inline
 * into the kernels that call it per element (a call that is not inlined boxes its double argument
 * and result, two heap objects per element): `x` is NaN, ±Infinity, above the overflow threshold or
 * below the underflow one; `hx` is its high word without the sign.
 */
function expOutOfRange(x: number, hx: number, negative: boolean): number {
  if (hx >= 0x7ff00000) {
    if (((hx & 0xfffff) | lowWord(x)) !== 0) return x + x; // NaN
    return negative ? 0 : x; // e^±Infinity
  }
  return x > O_THRESHOLD ? HUGE * HUGE : TWOM1000 * TWOM1000; // overflow, underflow
}
