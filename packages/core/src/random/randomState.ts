/**
 * numpy's legacy `RandomState` on plain numbers and typed arrays: the same streams as
 * `np.random.seed(s)` followed by `rand`, `randn`, `randint`, `normal`, `uniform`, `permutation`.
 * @module
 */
import { fdlibmLog } from '../math/fdlibmLog.js';
import { MT19937, checkSeed } from './mt19937.js';
import { checkIntRange, checkRange, checkScale, maskFor } from './ranges.js';

/**
 * Everything needed to resume a {@link RandomState} exactly; plain JSON, so checkpoints can store it.
 * `key` and `pos` are numpy's `get_state()[1:3]`, `hasGauss` and `gauss` its `has_gauss` and
 * `cached_gaussian`.
 * @category Random
 */
export interface RandomStateSnapshot {
  /** The 624 untempered MT19937 words, integers in [0, 2**32 - 1]. */
  key: number[];
  /** Index of the next word to use, 0..624. */
  pos: number;
  /** Whether a second gaussian from the last polar-method pair is waiting. */
  hasGauss: boolean;
  /** That waiting gaussian, or 0 when there is none. */
  gauss: number;
}

/** A typed array of floats the fillers write into. @category Random */
export type FloatOut = Float64Array | Float32Array;

/**
 * A seeded random stream that reproduces numpy's legacy global RNG (`np.random.seed` /
 * `np.random.RandomState`, numpy 1.x and 2.x) draw for draw.
 *
 * Scalar methods draw one value; the `fill*` methods write a whole typed array and consume the
 * stream exactly as the same number of scalar calls would. Results written into a `Float32Array` are
 * the float64 values rounded to float32 (numpy's `.astype(np.float32)`).
 *
 * @example
 * ```ts
 * import { RandomState } from '@tapegrad/core';
 * const rs = new RandomState(0);                  // np.random.seed(0)
 * console.log(rs.randomSample());                 // 0.5488135039273248
 * const x = new Float64Array(2); rs.fillRandn(x); // np.random.randn(2) after that
 * const saved = rs.getState();                    // JSON-safe, for checkpoints
 * const a = rs.gauss(); rs.setState(saved);
 * console.log(rs.gauss() === a);                  // true
 * ```
 * @category Random
 */
export class RandomState {
  private readonly mt = new MT19937();
  private hasGauss = false;
  private cachedGauss = 0;

  /**
   * @param seed - An integer in [0, 2**32 - 1], used as {@link RandomState.seed} uses it.
   * @throws RangeError when `seed` is not an integer in [0, 2**32 - 1].
   */
  constructor(seed: number) {
    this.seed(seed);
  }

  /**
   * Reseeds as `np.random.seed(seed)`: MT19937 `init_genrand(seed)`, and the cached gaussian is dropped.
   *
   * @param seed - An integer in [0, 2**32 - 1].
   * @throws RangeError when `seed` is not an integer in [0, 2**32 - 1]; the state is then unchanged.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const rs = new RandomState(1);
   * rs.seed(231);
   * console.log(rs.nextUint32()); // 3356491351
   * ```
   */
  seed(seed: number): void {
    checkSeed('manualSeed/seed', seed);
    this.mt.init_genrand(seed);
    this.hasGauss = false;
    this.cachedGauss = 0;
  }

  /**
   * The next raw 32-bit MT19937 output, as `randint(0, 2**32, dtype=np.uint64)` gives it.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * console.log(new RandomState(0).nextUint32()); // 2357136044
   * ```
   */
  nextUint32(): number {
    return this.mt.nextUint32();
  }

  /**
   * A uniform double in [0, 1) with 53 random bits (`np.random.random_sample()` / `rand()`), from two
   * 32-bit draws: `((a >>> 5) * 2**26 + (b >>> 6)) / 2**53`.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * console.log(new RandomState(0).randomSample()); // 0.5488135039273248
   * ```
   */
  randomSample(): number {
    return this.mt.nextDouble();
  }

  /**
   * A standard normal (`np.random.randn()`), by numpy's legacy Marsaglia polar method: draw
   * `x1 = 2u - 1`, `x2 = 2u - 1` until `0 < r2 = x1² + x2² < 1`, let `f = sqrt(-2 ln(r2) / r2)`, return
   * `f * x2` and keep `f * x1` for the next call. The kept value survives other draws in between and
   * is dropped only by {@link RandomState.seed} or {@link RandomState.setState}. The log is fdlibm's,
   * written in TypeScript (not the engine's `Math.log`, whose last bit differs between engines), and
   * the square root is IEEE 754's, so a seed gives the same gaussians in every browser and in Node.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const rs = new RandomState(0);
   * console.log(rs.gauss(), rs.gauss()); // 1.764052345967664 0.4001572083672233
   * ```
   */
  gauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const cached = this.cachedGauss;
      this.cachedGauss = 0;
      return cached;
    }
    const mt = this.mt;
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * mt.nextDouble() - 1;
      x2 = 2 * mt.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * fdlibmLog(r2)) / r2);
    this.cachedGauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /**
   * A normal sample `loc + scale * gauss()` (`np.random.normal(loc, scale)`); shares the gaussian cache.
   *
   * @param loc - The mean; default 0.
   * @param scale - The standard deviation, >= 0; default 1.
   * @throws RangeError when `scale` is negative or NaN.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * console.log(new RandomState(0).normal(2, 3)); // 7.292157037902992
   * ```
   */
  normal(loc = 0, scale = 1): number {
    checkScale('normal', scale);
    return loc + scale * this.gauss();
  }

  /**
   * A uniform sample `low + (high - low) * randomSample()` (`np.random.uniform(low, high)`).
   *
   * @param low - The lower bound; default 0.
   * @param high - The upper bound; default 1. `high < low` is allowed, as in numpy.
   * @throws RangeError when `high - low` is not finite.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * console.log(new RandomState(0).uniform(-1, 2)); // 0.6464405117819743
   * ```
   */
  uniform(low = 0, high = 1): number {
    return low + checkRange('uniform', low, high) * this.mt.nextDouble();
  }

  /**
   * A uniform integer in [low, high) (`np.random.randint(low, high)`), by masked rejection: with
   * `r = high - 1 - low` and `mask` the smallest `2^k - 1 >= r`, draw `u32 & mask` until it is `<= r`,
   * then add `low`. A range of one value (`r == 0`) consumes no draw; a range of exactly 2**32 takes
   * one raw draw.
   *
   * @param low - Smallest value, a safe integer.
   * @param high - One past the largest value, a safe integer with `low < high <= low + 2**32`.
   * @throws RangeError when the bounds are not safe integers, `low >= high`, or the range exceeds
   *   2**32 (numpy's 64-bit path is not implemented).
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const rs = new RandomState(0);
   * console.log(rs.randint(0, 10), rs.randint(5, 6)); // 5 5
   * ```
   */
  randint(low: number, high: number): number {
    const r = checkIntRange('randint', low, high);
    return low + this.boundedUint32(r, maskFor(r));
  }

  /**
   * A random ordering of `0 .. n-1` (`np.random.permutation(n)`): `arange(n)` shuffled by
   * {@link RandomState.shuffle}.
   *
   * @param n - The length, an integer in [0, 2**31 - 1].
   * @throws RangeError when `n` is not such an integer.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * console.log(Array.from(new RandomState(0).permutation(5))); // [2, 0, 1, 3, 4]
   * ```
   */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
      throw new RangeError(`permutation: n must be an integer in [0, 2**31 - 1] (got ${String(n)})`);
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    this.shuffle(out);
    return out;
  }

  /**
   * Shuffles `values` in place as numpy's legacy `shuffle` does for a 1-d array (Fisher-Yates from
   * the end): for `i = length-1 .. 1`, `j` is a masked-rejection draw in [0, i], swap `values[i]` and
   * `values[j]`.
   *
   * @param values - Any indexable array (a typed array or a plain array), at most 2**32 long.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const xs = ['a', 'b', 'c'];
   * new RandomState(0).shuffle(xs);
   * ```
   */
  shuffle<T>(values: { length: number; [index: number]: T }): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.boundedUint32(i, maskFor(i));
      const held = values[i]!;
      values[i] = values[j]!;
      values[j] = held;
    }
  }

  /**
   * Fills `out` with raw 32-bit draws, as `out.length` calls of {@link RandomState.nextUint32}.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const out = new Uint32Array(624); new RandomState(0).fillUint32(out);
   * ```
   */
  fillUint32(out: Uint32Array): void {
    const mt = this.mt;
    for (let i = 0; i < out.length; i++) out[i] = mt.nextUint32();
  }

  /**
   * Fills `out` with uniform doubles in [0, 1) (`np.random.rand(n)`). In a `Float32Array`, a value
   * within 2**-25 of 1 rounds up to exactly 1, as numpy's `.astype(np.float32)` does.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const out = new Float64Array(3); new RandomState(0).fillRandomSample(out);
   * ```
   */
  fillRandomSample(out: FloatOut): void {
    this.fillUniform(out, 0, 1);
  }

  /**
   * Fills `out` with `low + (high - low) * randomSample()` (`np.random.uniform(low, high, n)`).
   *
   * @param low - The lower bound; default 0.
   * @param high - The upper bound; default 1.
   * @throws RangeError when `high - low` is not finite.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const out = new Float32Array(3); new RandomState(0).fillUniform(out, -1, 1);
   * ```
   */
  fillUniform(out: FloatOut, low = 0, high = 1): void {
    const range = checkRange('fillUniform', low, high);
    const mt = this.mt;
    for (let i = 0; i < out.length; i++) out[i] = low + range * mt.nextDouble();
  }

  /**
   * Fills `out` with standard normals (`np.random.randn(n)`), using and leaving the gaussian cache
   * exactly as `out.length` calls of {@link RandomState.gauss} would.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const out = new Float64Array(1000); new RandomState(231).fillRandn(out);
   * ```
   */
  fillRandn(out: FloatOut): void {
    this.fillNormal(out, 0, 1);
  }

  /**
   * Fills `out` with `loc + scale * gauss()` (`np.random.normal(loc, scale, n)`), as `out.length`
   * calls of {@link RandomState.gauss}: two values per polar-method pair, and an odd one out leaves
   * its partner in the cache.
   *
   * @param loc - The mean; default 0.
   * @param scale - The standard deviation, >= 0; default 1.
   * @throws RangeError when `scale` is negative or NaN.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const out = new Float32Array(4); new RandomState(0).fillNormal(out, 2, 3);
   * ```
   */
  fillNormal(out: FloatOut, loc = 0, scale = 1): void {
    checkScale('fillNormal', scale);
    for (let i = 0; i < out.length; i++) out[i] = loc + scale * this.gauss();
  }

  /**
   * Fills `out` with uniform integers in [low, high) (`np.random.randint(low, high, n)`), drawn as
   * {@link RandomState.randint} draws them.
   *
   * @param out - An `Int32Array` (then `low` and `high - 1` must fit in int32) or a `Float64Array`.
   * @param low - Smallest value, a safe integer.
   * @param high - One past the largest value, with `low < high <= low + 2**32`.
   * @throws RangeError when {@link RandomState.randint} would, or when the values do not fit `out`.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const labels = new Int32Array(50); new RandomState(0).fillRandint(labels, 0, 10);
   * ```
   */
  fillRandint(out: Int32Array | Float64Array, low: number, high: number): void {
    const r = checkIntRange('fillRandint', low, high);
    if (out instanceof Int32Array && (low < -0x80000000 || high - 1 > 0x7fffffff)) {
      throw new RangeError(`fillRandint: an Int32Array holds [-2**31, 2**31 - 1] (got low=${low}, high=${high})`);
    }
    const mask = maskFor(r);
    for (let i = 0; i < out.length; i++) out[i] = low + this.boundedUint32(r, mask);
  }

  /**
   * A JSON-safe copy of the whole state (MT19937 words and position, and the cached gaussian).
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const rs = new RandomState(0);
   * const saved = JSON.parse(JSON.stringify(rs.getState()));
   * ```
   */
  getState(): RandomStateSnapshot {
    const { key, pos } = this.mt.getState();
    return { key: Array.from(key), pos, hasGauss: this.hasGauss, gauss: this.cachedGauss };
  }

  /**
   * Restores a state from {@link RandomState.getState}, or from numpy's `get_state()` fields with
   * `has_gauss` turned into a boolean. Every field is checked first; on a malformed state it throws
   * and leaves this stream unchanged.
   *
   * @throws RangeError naming the first bad field: `key` not 624 integers in [0, 2**32 - 1], `pos`
   *   not an integer in [0, 624], `hasGauss` not a boolean, or `gauss` not a finite number.
   * @example
   * ```ts
   * import { RandomState } from '@tapegrad/core';
   * const rs = new RandomState(0);
   * const saved = rs.getState();
   * const a = rs.randomSample();
   * rs.setState(saved);
   * console.log(rs.randomSample() === a); // true
   * ```
   */
  setState(state: RandomStateSnapshot): void {
    if (state === null || typeof state !== 'object') {
      throw new RangeError(`setState: expected an object { key, pos, hasGauss, gauss } (got ${String(state)})`);
    }
    const { hasGauss, gauss } = state;
    if (typeof hasGauss !== 'boolean') {
      throw new RangeError(`setState: hasGauss must be a boolean (got ${String(hasGauss)})`);
    }
    if (typeof gauss !== 'number' || !Number.isFinite(gauss)) {
      throw new RangeError(`setState: gauss must be a finite number (got ${String(gauss)})`);
    }
    this.mt.setState(state);
    this.hasGauss = hasGauss;
    this.cachedGauss = gauss;
  }

  /** Masked rejection: a uniform integer in [0, r] for r in [0, 2**32 - 1], `mask = maskFor(r)`. */
  private boundedUint32(r: number, mask: number): number {
    if (r === 0) return 0;
    const mt = this.mt;
    let value: number;
    do {
      value = (mt.nextUint32() & mask) >>> 0;
    } while (value > r);
    return value;
  }
}
