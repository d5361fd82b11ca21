/**
 * Parameter initialisation as PyTorch's `torch.nn.init`: each function fills a tensor in place
 * (outside the tape) and returns it. Draws come from core's global stream ({@link @tapegrad/core!defaultGenerator | defaultGenerator},
 * seeded by `manualSeed`) or from the `generator` passed in.
 *
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * const w = init.kaimingUniform_(zeros([4, 5], { dtype: 'float64' }), { a: Math.sqrt(5) });
 * console.log(w.toFloat64Array().every((v) => Math.abs(v) <= 1 / Math.sqrt(5))); // true
 * ```
 * @module
 */
import { ShapeError, checkFloatTensor, defaultGenerator, formatShape, noGrad, type Generator, type Tensor } from '@tapegrad/core';

/** A nonlinearity that {@link calculateGain} knows. @category Initialisation */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** Whether a Kaiming init keeps the variance of the forward pass (`'fan_in'`) or of the backward pass (`'fan_out'`). @category Initialisation */
export type FanMode = 'fan_in' | 'fan_out';

/** Options of {@link kaimingUniform_} and {@link kaimingNormal_}. @category Initialisation */
export interface KaimingOptions {
  /** The negative slope of the leaky ReLU that follows (default 0; `Math.sqrt(5)` in `Linear`). */
  a?: number;
  /** Which fan to preserve (default `'fan_in'`). */
  mode?: FanMode;
  /** The nonlinearity that follows (default `'leaky_relu'`). */
  nonlinearity?: Nonlinearity;
  /** The stream to draw from (default: the global one). */
  generator?: Generator;
}

const linearLike: readonly string[] = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid'];

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): 1 for linear, conv and
 * sigmoid; 5/3 for tanh; √2 for relu; √(2 / (1 + slope²)) for leaky_relu; 3/4 for selu.
 *
 * @param nonlinearity - the function that follows the layer.
 * @param param - leaky_relu's negative slope (default 0.01).
 * @throws RangeError for an unknown nonlinearity or a slope that is not a number.
 * @example
 * ```ts
 * import { init } from '@tapegrad/nn';
 * console.log(init.calculateGain('relu')); // 1.4142135623730951
 * console.log(init.calculateGain('leaky_relu', Math.sqrt(5))); // 0.5773502691896257 = √(1/3)
 * ```
 * @category Initialisation
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (linearLike.includes(nonlinearity)) return 1;
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2);
  if (nonlinearity === 'selu') return 3 / 4;
  if (nonlinearity === 'leaky_relu') {
    const slope = param ?? 0.01;
    if (typeof slope !== 'number' || Number.isNaN(slope)) throw new RangeError(`calculateGain: negative slope must be a number (got ${String(slope)})`);
    return Math.sqrt(2 / (1 + slope ** 2));
  }
  throw new RangeError(`calculateGain: unsupported nonlinearity (got ${String(nonlinearity)})`);
}

/**
 * The fan-in and fan-out of a weight (PyTorch's `_calculate_fan_in_and_fan_out`): for a weight of
 * shape `[out, in, ...kernel]`, fanIn = in·∏kernel and fanOut = out·∏kernel.
 *
 * @param t - a tensor with at least 2 dims.
 * @returns `[fanIn, fanOut]`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for a tensor with fewer than 2 dims.
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * console.log(init.calculateFanInAndFanOut(zeros([4, 5]))); // [5, 4]
 * ```
 * @category Initialisation
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new ShapeError(`calculateFanInAndFanOut: expected a tensor with at least 2 dims (got ${formatShape(t.shape)})`);
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

function checkFloat(op: string, t: Tensor): void {
  checkFloatTensor(op, t, 'tensor');
}

/**
 * Fills `t` in place with draws from U(low, high) (PyTorch's `uniform_`); numpy's
 * `uniform(low, high)` on the stream, so it is reproducible after `manualSeed`.
 *
 * @param t - a float tensor (a Parameter is fine: the fill is not recorded).
 * @param low - default 0.
 * @param high - default 1.
 * @param generator - default: the global stream.
 * @returns `t`.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor; RangeError for bounds that are not finite.
 * @example
 * ```ts
 * import { zeros, manualSeed } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * manualSeed(0);
 * console.log(init.uniform_(zeros([2], { dtype: 'float64' }), -1, 1).toArray()); // [0.0976270078546495, 0.43037873274483895]
 * ```
 * @category Initialisation
 */
export function uniform_(t: Tensor, low = 0, high = 1, generator: Generator = defaultGenerator): Tensor {
  checkFloat('uniform_', t);
  if (t.size === 0) return t;
  const draws = generator.uniform(low, high, t.shape, { dtype: t.dtype });
  return noGrad(() => t.copy_(draws));
}

/**
 * Fills `t` in place with draws from N(mean, std²) (PyTorch's `normal_`; numpy's `normal`).
 *
 * @param t - a float tensor.
 * @param mean - default 0.
 * @param std - default 1.
 * @param generator - default: the global stream.
 * @returns `t`.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor; RangeError for a negative std.
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * const w = init.normal_(zeros([100], { dtype: 'float64' }), 0, 0.01);
 * console.log(w.std().item() < 0.02); // true
 * ```
 * @category Initialisation
 */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  checkFloat('normal_', t);
  if (t.size === 0) return t;
  const draws = generator.normal(mean, std, t.shape, { dtype: t.dtype });
  return noGrad(() => t.copy_(draws));
}

/**
 * Fills `t` in place with `value` (PyTorch's `constant_`).
 *
 * @returns `t`.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * console.log(init.constant_(zeros([3]), 0.5).toArray()); // [0.5, 0.5, 0.5]
 * ```
 * @category Initialisation
 */
export function constant_(t: Tensor, value: number): Tensor {
  checkFloat('constant_', t);
  return noGrad(() => t.fill_(value));
}

/**
 * Fills `t` in place with zeros (PyTorch's `zeros_`).
 *
 * @returns `t`.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { ones } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * console.log(init.zeros_(ones([2])).toArray()); // [0, 0]
 * ```
 * @category Initialisation
 */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/**
 * Fills `t` in place with ones (PyTorch's `ones_`).
 *
 * @returns `t`.
 * @throws {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * console.log(init.ones_(zeros([2])).toArray()); // [1, 1]
 * ```
 * @category Initialisation
 */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

function kaimingStd(op: string, t: Tensor, opts: KaimingOptions): number {
  const mode = opts.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new RangeError(`${op}: mode must be 'fan_in' or 'fan_out' (got ${String(mode)})`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  return calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0) / Math.sqrt(fan);
}

/**
 * He et al.'s uniform init (PyTorch's `kaiming_uniform_`): fills `t` with U(-bound, bound),
 * bound = √3 · gain / √fan, gain = {@link calculateGain}(nonlinearity, a). `Linear` uses
 * a = √5, which gives bound = 1/√inFeatures.
 *
 * @param t - a float tensor with at least 2 dims (`[out, in, ...]`).
 * @param opts - `a` (0), `mode` ('fan_in'), `nonlinearity` ('leaky_relu'), `generator` (the global stream).
 * @returns `t`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for fewer than 2 dims; {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * const w = init.kaimingUniform_(zeros([256, 100], { dtype: 'float64' }), { nonlinearity: 'relu' });
 * console.log(w.abs().max().item() <= Math.sqrt(6 / 100)); // true
 * ```
 * @category Initialisation
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkFloat('kaimingUniform_', t);
  if (t.size === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, -bound, bound, opts.generator);
}

/**
 * He et al.'s normal init (PyTorch's `kaiming_normal_`): fills `t` with N(0, std²),
 * std = gain / √fan.
 *
 * @param t - a float tensor with at least 2 dims.
 * @param opts - `a` (0), `mode` ('fan_in'), `nonlinearity` ('leaky_relu'), `generator` (the global stream).
 * @returns `t`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for fewer than 2 dims; {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * const w = init.kaimingNormal_(zeros([500, 200], { dtype: 'float64' }), { nonlinearity: 'relu' });
 * console.log(Math.abs(w.std().item() - Math.sqrt(2 / 200)) < 0.002); // true
 * ```
 * @category Initialisation
 */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  checkFloat('kaimingNormal_', t);
  if (t.size === 0) return t;
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, opts), opts.generator);
}

/**
 * Glorot & Bengio's uniform init (PyTorch's `xavier_uniform_`): U(-a, a) with
 * a = gain · √(6 / (fanIn + fanOut)).
 *
 * @param t - a float tensor with at least 2 dims.
 * @param opts - `gain` (1), `generator` (the global stream).
 * @returns `t`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for fewer than 2 dims; {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * const w = init.xavierUniform_(zeros([3, 5], { dtype: 'float64' }));
 * console.log(w.abs().max().item() <= Math.sqrt(6 / 8)); // true
 * ```
 * @category Initialisation
 */
export function xavierUniform_(t: Tensor, opts: { gain?: number; generator?: Generator } = {}): Tensor {
  checkFloat('xavierUniform_', t);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  if (t.size === 0) return t;
  const a = Math.sqrt(3) * (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -a, a, opts.generator);
}

/**
 * Glorot & Bengio's normal init (PyTorch's `xavier_normal_`): N(0, std²) with
 * std = gain · √(2 / (fanIn + fanOut)).
 *
 * @param t - a float tensor with at least 2 dims.
 * @param opts - `gain` (1), `generator` (the global stream).
 * @returns `t`.
 * @throws {@link @tapegrad/core!ShapeError | ShapeError} for fewer than 2 dims; {@link @tapegrad/core!DtypeError | DtypeError} for an integer tensor.
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { init } from '@tapegrad/nn';
 * const w = init.xavierNormal_(zeros([400, 400], { dtype: 'float64' }));
 * console.log(Math.abs(w.std().item() - 0.05) < 0.002); // true
 * ```
 * @category Initialisation
 */
export function xavierNormal_(t: Tensor, opts: { gain?: number; generator?: Generator } = {}): Tensor {
  checkFloat('xavierNormal_', t);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  if (t.size === 0) return t;
  return normal_(t, 0, (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), opts.generator);
}
