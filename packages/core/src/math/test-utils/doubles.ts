/**
 * Arguments for checking a port of an elementary function against another implementation bit for
 * bit: deterministic (a fixed LCG), so a failure names the same argument on every run.
 * @module
 */

/** A 32-bit linear congruential generator (Numerical Recipes' constants): deterministic, fast. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/**
 * 2^k for an integer k in [-1074, 1023], built from its bits: the arguments must not go through the
 * engine's own `**`, whose results differ between engines.
 */
export function pow2(k: number): number {
  if (k < -1022) return pow2(k + 64) * pow2(-64); // a subnormal power of two: the product is exact
  bits[0] = 0;
  words[1] = (k + 1023) << 20;
  return bits[0];
}

/** 2^(q/4) for q = 0..3 (1, 2^¼, √2, 2^¾), rounded to nearest. */
const QUARTER_POWERS = [1, 1.189207115002721, 1.4142135623730951, 1.681792830507429];

/** A double with uniformly random bits (every exponent, sign, NaNs and subnormals among them). */
export function randomBits(next: () => number): number {
  words[0] = next();
  words[1] = next();
  return bits[0]!;
}

/**
 * `n` arguments of each of four kinds for a logarithm: random bit patterns, Marsaglia's
 * r² = x1² + x2² (what the polar method takes the log of), uniform in [0, 1), values near 1; and each
 * power of two with its neighbours.
 */
export function logArguments(n: number): Float64Array {
  const next = lcg(231);
  const u = () => next() / 4294967296;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(randomBits(next));
  for (let i = 0; i < n; i++) {
    const x1 = 2 * u() - 1, x2 = 2 * u() - 1;
    out.push(x1 * x1 + x2 * x2);
  }
  for (let i = 0; i < n; i++) out.push(u());
  for (let i = 0; i < n; i++) out.push(1 + (u() - 0.5) * pow2(-(next() % 53)));
  for (let e = -1074; e <= 1023; e++) out.push(pow2(e), pow2(e) * (1 + pow2(-52)), pow2(e) * (1 - pow2(-53)));
  return Float64Array.from(out);
}

/** Whether `a` and `b` are the same double, bit for bit (any NaN equals any NaN: JS has one). */
export const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/**
 * `n` arguments of each of four kinds for an exponential: random bit patterns, [-750, 750) (over- and
 * underflow), [-20, 20), and within 2^-60..1 of 0; then the thresholds and special values.
 */
export function expArguments(n: number): Float64Array {
  const next = lcg(4242);
  const u = () => next() / 4294967296;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(randomBits(next));
  for (let i = 0; i < n; i++) out.push((u() - 0.5) * 1500);
  for (let i = 0; i < n; i++) out.push((u() - 0.5) * 40);
  for (let i = 0; i < n; i++) out.push((u() - 0.5) * pow2(-(next() % 60)));
  out.push(0, -0, 1, -1, Infinity, -Infinity, Number.NaN, 709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412,
    -708.3964185322641, 5e-324, 0.34657359027997264, 1.0397207708399179, 3.725290298461914e-9);
  return Float64Array.from(out);
}

/**
 * `n` (x, y) pairs of each of seven kinds for a power, flattened (x0, y0, x1, y1, ...): random bit
 * patterns; x in [0, 20) with y in [-50, 50); 10 to y in [-20, 20) (logspace); negative x with integer
 * y; x in [0, 1) to integers up to 20000 (Adam's bias corrections); x within 2^-52..1 of 1 to random
 * and to large y (the |y| > 2^31 path); then the special values against each other and powers of two,
 * of 10 and of 2^(e/4) (subnormal results).
 */
export function powArguments(n: number): Float64Array {
  const next = lcg(1_000_003);
  const u = () => next() / 4294967296;
  const out: number[] = [];
  const pair = (x: number, y: number) => out.push(x, y);
  for (let i = 0; i < n; i++) pair(randomBits(next), randomBits(next));
  for (let i = 0; i < n; i++) pair(u() * 20, (u() - 0.5) * 100);
  for (let i = 0; i < n; i++) pair(10, (u() - 0.5) * 40);
  for (let i = 0; i < n; i++) pair(-(next() % 100) - u(), (next() % 60) - 30);
  for (let i = 0; i < n; i++) pair(u(), next() % 20000);
  for (let i = 0; i < n; i++) pair(1 + (u() - 0.5) * pow2(-(next() % 52)), randomBits(next));
  for (let i = 0; i < n; i++) pair(1 + (u() - 0.5) * pow2(-(next() % 52)), (u() - 0.5) * pow2(next() % 70));
  const special = [0, -0, 1, -1, 0.5, -0.5, 2, -2, 3, -3, Infinity, -Infinity, Number.NaN, 1.5, -1.5, 5e-324, -5e-324,
    Number.MAX_VALUE, -Number.MAX_VALUE, 9007199254740992, 9007199254740994, -9007199254740992, 2147483648, 18446744073709552000, 1e-300, 0.9, 0.999];
  for (const x of special) for (const y of special) pair(x, y);
  for (let e = -1074; e < 1024; e++) pair(2, e), pair(10, e / 3), pair(pow2(Math.floor(e / 4)) * QUARTER_POWERS[e & 3]!, 1.5);
  return Float64Array.from(out);
}

/** Runs `f` and `g` on every argument; returns how many and the first 10 where they differ. */
export function sameBits(xs: Float64Array, f: (x: number) => number, g: (x: number) => number): { count: number; mismatches: string[] } {
  const mismatches: string[] = [];
  for (const x of xs) {
    const a = f(x), b = g(x);
    if (!same(a, b) && mismatches.length < 10) mismatches.push(`${x}: ${a} (port) vs ${b}`);
  }
  return { count: xs.length, mismatches };
}

/** {@link sameBits} for two-argument functions, on flattened (x, y) pairs. */
export function sameBits2(xys: Float64Array, f: (x: number, y: number) => number, g: (x: number, y: number) => number): { count: number; mismatches: string[] } {
  const mismatches: string[] = [];
  for (let i = 0; i < xys.length; i += 2) {
    const x = xys[i]!, y = xys[i + 1]!;
    const a = f(x, y), b = g(x, y);
    if (!same(a, b) && mismatches.length < 10) mismatches.push(`(${x}, ${y}): ${a} (port) vs ${b}`);
  }
  return { count: xys.length / 2, mismatches };
}
