/**
 * Random tensors from numpy-compatible streams: a {@link Generator} per stream and a global one,
 * which `manualSeed(s)` sets to numpy's `np.random.seed(s)` state.
 * @module
 */
import { allocate, allocateLasting } from '../allocator.js';
import { wrapNd } from '../kernels/layout.js';
import { checkShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { floatDtypeFrom, type CreationOptions } from '../creation.js';
import { RandomState, type RandomStateSnapshot } from './randomState.js';

/** The shape argument of the random functions: a list of dims, or one dim. @category Random */
export type ShapeLike = readonly number[] | number;

function shapeOf(op: string, shape: ShapeLike): number[] {
  return checkShape(op, typeof shape === 'number' ? [shape] : [...shape]);
}

function checkFinite(op: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${op}: ${name} must be a finite number (got ${v})`);
  }
}

/**
 * An independent random stream that draws exactly what numpy's legacy `RandomState(seed)` draws,
 * call for call (float32 tensors get the float64 draws rounded). The global stream behind
 * {@link randn} and friends is one of these ({@link defaultGenerator}).
 *
 * @example
 * ```ts
 * import { Generator } from '@tapegrad/core';
 * const g = new Generator(0);                     // np.random.RandomState(0)
 * console.log(g.rand([2], { dtype: 'float64' }).toArray()); // [0.5488135039273248, 0.7151893663724195]
 * ```
 * @category Random
 */
export class Generator {
  private readonly stream: RandomState;

  /**
   * A stream in the state of numpy's `np.random.RandomState(seed)`.
   * @param seed - an integer in [0, 2**32 - 1] (default 0).
   * @throws RangeError for any other seed.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const a = new Generator(7), b = new Generator(7);
   * console.log(a.randint(0, 100, [3]).toArray(), b.randint(0, 100, [3]).toArray()); // [47, 68, 25] [47, 68, 25]
   * ```
   */
  constructor(seed = 0) {
    this.stream = new RandomState(seed);
  }

  /**
   * Reseeds the stream as `np.random.seed(seed)` does (the cached gaussian is dropped).
   * @param seed - an integer in [0, 2**32 - 1].
   * @returns this generator.
   * @throws RangeError for any other seed.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const g = new Generator(0);
   * g.randn([3]); // draws a pair for the third value and caches the unused one
   * g.manualSeed(0); // as np.random.seed(0): the cached value is dropped too
   * console.log(g.randn([3], { dtype: 'float64' }).toArray()); // [1.764052345967664, 0.4001572083672233, 0.9787379841057392]
   * ```
   */
  manualSeed(seed: number): this {
    this.stream.seed(seed);
    return this;
  }
  /**
   * The stream's full state, as plain JSON (for checkpoints).
   * @returns numpy's `get_state()`: the 624-word Mersenne Twister key, the position in it, and the
   *   cached gaussian.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const state = new Generator(0).getState();
   * console.log(state.key.length, state.pos, state.hasGauss); // 624 624 false
   * ```
   */
  getState(): RandomStateSnapshot {
    return this.stream.getState();
  }
  /**
   * Restores a state from {@link Generator.getState}.
   * @param state - a state that `getState` returned (possibly through JSON).
   * @throws RangeError for a malformed state.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const g = new Generator(0);
   * const saved = JSON.stringify(g.getState());
   * const a = g.rand([2], { dtype: 'float64' }).toArray();
   * g.setState(JSON.parse(saved));
   * console.log(g.rand([2], { dtype: 'float64' }).toArray(), a); // [0.5488135039273248, 0.7151893663724195] [0.5488135039273248, 0.7151893663724195]
   * ```
   */
  setState(state: RandomStateSnapshot): void {
    this.stream.setState(state);
  }

  /**
   * Standard normal samples (numpy's `randn(*shape)`).
   * @param shape - the dims, or one dim.
   * @param opts - `dtype` (default the default dtype; float32 gets the float64 draws rounded),
   *   `requiresGrad` (default false).
   * @throws {@link ShapeError} for a shape that is not a list of non-negative integers;
   *   {@link DtypeError} for a dtype other than float32 or float64.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const g = new Generator(0); // np.random.RandomState(0).randn(2)
   * console.log(g.randn([2], { dtype: 'float64' }).toArray()); // [1.764052345967664, 0.4001572083672233]
   * ```
   */
  randn(shape: ShapeLike, opts: CreationOptions = {}): Tensor {
    return this.floats('randn', shape, opts, (out) => this.stream.fillRandn(out));
  }
  /**
   * Uniform samples in [0, 1) (numpy's `rand(*shape)`).
   * @param shape - the dims, or one dim.
   * @param opts - `dtype` (default the default dtype; float32 gets the float64 draws rounded),
   *   `requiresGrad` (default false).
   * @throws {@link ShapeError} for a shape that is not a list of non-negative integers;
   *   {@link DtypeError} for a dtype other than float32 or float64.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const g = new Generator(0); // np.random.RandomState(0).rand(2)
   * console.log(g.rand(2, { dtype: 'float64' }).toArray()); // [0.5488135039273248, 0.7151893663724195]
   * ```
   */
  rand(shape: ShapeLike, opts: CreationOptions = {}): Tensor {
    return this.floats('rand', shape, opts, (out) => this.stream.fillRandomSample(out));
  }
  /**
   * Normal samples with mean `mean` and standard deviation `std` (numpy's `normal(loc, scale, size)`).
   * Each sample is `mean + std · z`, z standard normal.
   * @param mean - the mean.
   * @param std - the standard deviation, >= 0.
   * @param shape - the dims, or one dim.
   * @param opts - `dtype` (default the default dtype; float32 gets the float64 draws rounded),
   *   `requiresGrad` (default false).
   * @throws {@link ShapeError} for a shape that is not a list of non-negative integers;
   *   {@link DtypeError} for a dtype other than float32 or float64; RangeError for a mean or std that is not
   *   finite, or a negative std.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const g = new Generator(0); // np.random.RandomState(0).normal(10, 2, 2)
   * console.log(g.normal(10, 2, [2], { dtype: 'float64' }).toArray()); // [13.528104691935328, 10.800314416734446]
   * ```
   */
  normal(mean: number, std: number, shape: ShapeLike, opts: CreationOptions = {}): Tensor {
    checkFinite('normal', { mean, std });
    if (std < 0) throw new RangeError(`normal: std must be >= 0 (got ${std})`);
    return this.floats('normal', shape, opts, (out) => this.stream.fillNormal(out, mean, std));
  }
  /**
   * Uniform samples in [low, high) (numpy's `uniform(low, high, size)`): `low + (high - low) · u`,
   * u uniform in [0, 1).
   * @param low - the lower bound (included).
   * @param high - the upper bound (excluded).
   * @param shape - the dims, or one dim.
   * @param opts - `dtype` (default the default dtype; float32 gets the float64 draws rounded),
   *   `requiresGrad` (default false).
   * @throws {@link ShapeError} for a shape that is not a list of non-negative integers;
   *   {@link DtypeError} for a dtype other than float32 or float64; RangeError for a bound that is not finite.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const g = new Generator(0); // np.random.RandomState(0).uniform(-1, 1, 2)
   * console.log(g.uniform(-1, 1, [2], { dtype: 'float64' }).toArray()); // [0.0976270078546495, 0.43037873274483895]
   * ```
   */
  uniform(low: number, high: number, shape: ShapeLike, opts: CreationOptions = {}): Tensor {
    checkFinite('uniform', { low, high });
    return this.floats('uniform', shape, opts, (out) => this.stream.fillUniform(out, low, high));
  }
  /**
   * Integers in [low, high) as an int32 tensor (numpy's `randint(low, high, size)`).
   * @param low - the smallest value (included).
   * @param high - the bound (excluded), > low.
   * @param shape - the dims, or one dim.
   * @throws RangeError when low and high are not integers with low < high that fit in int32;
   *   {@link ShapeError} for a bad shape.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const g = new Generator(0); // np.random.RandomState(0).randint(0, 10, 5)
   * console.log(g.randint(0, 10, [5]).toArray()); // [5, 0, 3, 3, 7]
   * ```
   */
  randint(low: number, high: number, shape: ShapeLike): Tensor {
    const dims = shapeOf('randint', shape);
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new RangeError(`randint: low and high must be integers with low < high (got ${low} and ${high})`);
    }
    if (low < -(2 ** 31) || high > 2 ** 31) throw new RangeError(`randint: values must fit in int32 (got [${low}, ${high}))`);
    const out = allocate('int32', sizeOf(dims));
    this.stream.fillRandint(out, low, high);
    return new Tensor(wrapNd(out, dims));
  }
  /**
   * Indices drawn uniformly from [0, n) with replacement (numpy's `choice(n, size)`), int32.
   * The same draws as `randint(0, n, size)`.
   * @param n - the number of indices to draw from, a positive integer.
   * @param size - the dims of the result, or one dim.
   * @throws RangeError when n is not a positive integer; {@link ShapeError} for a bad size.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const g = new Generator(0); // np.random.RandomState(0).choice(5, 3)
   * console.log(g.choice(5, 3).toArray()); // [4, 0, 3]
   * ```
   */
  choice(n: number, size: ShapeLike): Tensor {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`choice: n must be a positive integer (got ${n})`);
    return this.randint(0, n, size);
  }
  /**
   * A random ordering of 0..n-1 (numpy's `permutation(n)`), int32.
   * @param n - the number of indices, a non-negative integer.
   * @returns an int32 tensor of shape `[n]`.
   * @throws RangeError when n is not a non-negative integer.
   * @example
   * ```ts
   * import { Generator } from '@tapegrad/core';
   * const g = new Generator(0); // np.random.RandomState(0).permutation(5)
   * console.log(g.permutation(5).toArray()); // [2, 0, 1, 3, 4]
   * ```
   */
  permutation(n: number): Tensor {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`permutation: n must be a non-negative integer (got ${n})`);
    return new Tensor(wrapNd(this.stream.permutation(n), [n]));
  }

  private floats(op: string, shape: ShapeLike, opts: CreationOptions, fill: (out: Float32Array | Float64Array) => void): Tensor {
    const dims = shapeOf(op, shape);
    const dtype = floatDtypeFrom(op, opts);
    const out = allocateLasting(dtype, sizeOf(dims));
    fill(out);
    return new Tensor(wrapNd(out, dims), { requiresGrad: opts.requiresGrad ?? false });
  }
}

/**
 * The global stream that {@link randn}, {@link rand}, {@link randint}, {@link normal},
 * {@link uniform}, {@link choice} and {@link permutation} draw from (seeded with 0 at start, so a
 * program is reproducible even without {@link manualSeed}).
 *
 * @example
 * ```ts
 * import { defaultGenerator, manualSeed } from '@tapegrad/core';
 * manualSeed(231);
 * const state = defaultGenerator.getState(); // save, e.g. in a checkpoint
 * ```
 * @category Random
 */
export const defaultGenerator = new Generator(0);

/**
 * Seeds the global stream so that it equals numpy's after `np.random.seed(seed)`.
 *
 * @throws RangeError when `seed` is not an integer in [0, 2**32 - 1].
 * @example
 * ```ts
 * import { manualSeed, randn } from '@tapegrad/core';
 * manualSeed(231);
 * console.log(randn([2], { dtype: 'float64' }).toArray()); // np.random.seed(231); np.random.randn(2)
 * ```
 * @category Random
 */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

/**
 * Standard normal samples from the global stream (numpy's `randn(*shape)`).
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * console.log(randn([2, 3]).shape); // [2, 3]
 * ```
 * @category Random
 */
export function randn(shape: ShapeLike, opts: CreationOptions = {}): Tensor {
  return defaultGenerator.randn(shape, opts);
}

/**
 * Uniform samples in [0, 1) from the global stream (numpy's `rand(*shape)`).
 * @example
 * ```ts
 * import { rand } from '@tapegrad/core';
 * console.log(rand([3]).shape); // [3]
 * ```
 * @category Random
 */
export function rand(shape: ShapeLike, opts: CreationOptions = {}): Tensor {
  return defaultGenerator.rand(shape, opts);
}

/**
 * Integers in [low, high) from the global stream, int32 (numpy's `randint(low, high, size)`).
 * @example
 * ```ts
 * import { randint } from '@tapegrad/core';
 * console.log(randint(0, 10, [5]).dtype); // 'int32'
 * ```
 * @category Random
 */
export function randint(low: number, high: number, shape: ShapeLike): Tensor {
  return defaultGenerator.randint(low, high, shape);
}

/**
 * Normal samples with mean `mean` and standard deviation `std` from the global stream.
 * @example
 * ```ts
 * import { normal } from '@tapegrad/core';
 * console.log(normal(0, 0.01, [2, 2]).shape); // [2, 2]
 * ```
 * @category Random
 */
export function normal(mean: number, std: number, shape: ShapeLike, opts: CreationOptions = {}): Tensor {
  return defaultGenerator.normal(mean, std, shape, opts);
}

/**
 * Uniform samples in [low, high) from the global stream.
 * @example
 * ```ts
 * import { uniform } from '@tapegrad/core';
 * console.log(uniform(-1, 1, [4]).shape); // [4]
 * ```
 * @category Random
 */
export function uniform(low: number, high: number, shape: ShapeLike, opts: CreationOptions = {}): Tensor {
  return defaultGenerator.uniform(low, high, shape, opts);
}

/**
 * Indices drawn from [0, n) with replacement from the global stream (numpy's `choice(n, size)`),
 * as cs231n's Solver draws its minibatches.
 * @example
 * ```ts
 * import { choice } from '@tapegrad/core';
 * console.log(choice(49000, 50).shape); // [50]
 * ```
 * @category Random
 */
export function choice(n: number, size: ShapeLike): Tensor {
  return defaultGenerator.choice(n, size);
}

/**
 * A random ordering of 0..n-1 from the global stream (numpy's `permutation(n)`).
 * @example
 * ```ts
 * import { permutation } from '@tapegrad/core';
 * console.log(permutation(5).shape); // [5]
 * ```
 * @category Random
 */
export function permutation(n: number): Tensor {
  return defaultGenerator.permutation(n);
}

