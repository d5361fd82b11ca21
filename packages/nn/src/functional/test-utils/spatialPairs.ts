/**
 * The fused/composed pairs of the convolutional layers with the samples their tests run on, in the
 * shape of one entry of nn's fused-op table: `{ fused, composed, samples }`. Each sample draws its
 * inputs from a fixed seed (every input is differentiated; options and constants such as running
 * statistics live in `call`), so a table-driven test can run it in either dtype.
 */
import { Generator, type FloatDType, type Tensor } from '@tapegrad/core';
import { conv2dComposed, conv2dFused } from '../conv2d.js';
import { batchNorm2dComposed, batchNorm2dFused } from '../batchNorm2d.js';
import { groupNormComposed, groupNormFused } from '../groupNorm.js';
import { rmsNormComposed, rmsNormFused } from '../rmsNorm.js';

/** One call of a pair member: its inputs (fresh tensors of `dtype`) and how to call `fn` on them. */
export interface PairSample<F> {
  /** What the sample exercises. */
  readonly label: string;
  /** The inputs, drawn from the sample's seed in `dtype`; all of them get gradients. */
  readonly inputs: (dtype: FloatDType) => Tensor[];
  /** Calls `fn` (the fused or the composed member) on the inputs, with the sample's options. */
  readonly call: (fn: F, ...inputs: Tensor[]) => Tensor;
}

/** A fused/composed pair with its samples. */
export interface SpatialPair<F> {
  readonly fused: F;
  readonly composed: F;
  readonly samples: readonly PairSample<F>[];
}

/** Standard normal draws of each shape from `seed`, `x·scale + shift` for the first. */
const draws = (seed: number, shapes: number[][], scale = 1, shift = 0) => (dtype: FloatDType): Tensor[] => {
  const g = new Generator(seed);
  return shapes.map((s, i) => (i === 0 ? g.randn(s, { dtype }).mul(scale).add(shift) : g.randn(s, { dtype })));
};

type Conv = typeof conv2dFused;
const conv = (label: string, seed: number, x: number[], w: number[], bias: boolean, opts: Parameters<Conv>[3]): PairSample<Conv> => ({
  label,
  inputs: draws(seed, bias ? [x, w, [w[0]!]] : [x, w]),
  call: (fn, xt, wt, bt) => fn(xt!, wt!, bt ?? null, opts),
});

type BatchNorm2d = typeof batchNorm2dFused;
/** Running statistics as constants (not inputs) for the eval samples. */
const running = (x: Tensor) => {
  const g = new Generator(7);
  return { runningMean: g.randn([x.shape[1]!], { dtype: x.dtype as FloatDType }).add(12), runningVar: g.rand([x.shape[1]!], { dtype: x.dtype as FloatDType }).add(0.5) };
};

type GroupNorm = typeof groupNormFused;
type RMSNorm = typeof rmsNormFused;

/** The pairs of issue 19's first half, each ready to be one entry of the fused-op table. */
export const spatialPairs: {
  conv2d: SpatialPair<Conv>; batchNorm2d: SpatialPair<BatchNorm2d>; groupNorm: SpatialPair<GroupNorm>; rmsNorm: SpatialPair<RMSNorm>;
} = {
  conv2d: {
    fused: conv2dFused,
    composed: conv2dComposed,
    samples: [
      conv('3x3, padding 1, bias', 1, [2, 3, 5, 6], [4, 3, 3, 3], true, { padding: 1 }),
      conv('2x3, stride [2, 1], padding [1, 2], no bias', 2, [1, 2, 6, 5], [3, 2, 2, 3], false, { stride: [2, 1], padding: [1, 2] }),
      conv("3x3, dilation 2, 'same'", 3, [2, 2, 6, 7], [2, 2, 3, 3], true, { padding: 'same', dilation: 2 }),
      conv("2x4, 'same' (odd padding at the bottom and right)", 4, [1, 2, 5, 6], [2, 2, 2, 4], true, { padding: 'same' }),
      conv('groups 2, stride 2, padding [1, 0]', 5, [1, 4, 7, 6], [6, 2, 3, 3], true, { groups: 2, stride: 2, padding: [1, 0] }),
      conv("depthwise (groups = C), 'same'", 6, [2, 3, 5, 5], [3, 1, 3, 3], true, { groups: 3, padding: 'same' }),
      conv("1x1, 'valid'", 7, [3, 4, 3, 3], [5, 4, 1, 1], true, { padding: 'valid' }),
      conv('5x5 on a 5x5 input: one output', 8, [2, 2, 5, 5], [3, 2, 5, 5], true, {}),
    ],
  },
  batchNorm2d: {
    fused: batchNorm2dFused,
    composed: batchNorm2dComposed,
    samples: [
      { label: 'training, affine', inputs: draws(11, [[4, 3, 5, 5], [3], [3]], 5, 12), call: (fn, x, w, b) => fn(x!, w!, b!) },
      { label: 'training, no affine, 1x1 maps', inputs: draws(12, [[6, 2, 1, 1]], 2, -1), call: (fn, x) => fn(x!) },
      { label: 'training, eps 1e-3, weight only', inputs: draws(13, [[2, 4, 3, 2], [4]]), call: (fn, x, w) => fn(x!, w!, null, { eps: 1e-3 }) },
      {
        label: 'evaluation with running statistics, affine',
        inputs: draws(14, [[3, 3, 4, 4], [3], [3]], 5, 12),
        call: (fn, x, w, b) => fn(x!, w!, b!, { training: false, ...running(x!) }),
      },
      { label: 'evaluation, no affine', inputs: draws(15, [[2, 3, 2, 3]], 5, 12), call: (fn, x) => fn(x!, null, null, { training: false, ...running(x!) }) },
    ],
  },
  groupNorm: {
    fused: groupNormFused,
    composed: groupNormComposed,
    samples: [
      { label: '[2, 6, 4, 4], 3 groups, affine', inputs: draws(21, [[2, 6, 4, 4], [6], [6]], 5, 12), call: (fn, x, w, b) => fn(x!, 3, w!, b!) },
      { label: '[3, 4, 5] (rank 3), 2 groups, no affine', inputs: draws(22, [[3, 4, 5]], 2, 1), call: (fn, x) => fn(x!, 2) },
      { label: '1 group (LayerNorm over C, H, W)', inputs: draws(23, [[2, 3, 2, 3], [3], [3]]), call: (fn, x, w, b) => fn(x!, 1, w!, b!) },
      { label: 'C groups (InstanceNorm), eps 1e-3', inputs: draws(24, [[2, 4, 3, 3], [4]]), call: (fn, x, w) => fn(x!, 4, w!, null, 1e-3) },
      { label: '[5, 4] (rank 2), 2 groups', inputs: draws(25, [[5, 4], [4], [4]]), call: (fn, x, w, b) => fn(x!, 2, w!, b!) },
    ],
  },
  rmsNorm: {
    fused: rmsNormFused,
    composed: rmsNormComposed,
    samples: [
      { label: '[4, 6] over [6], weight, eps null', inputs: draws(31, [[4, 6], [6]]), call: (fn, x, w) => fn(x!, [6], w!) },
      { label: '[2, 3, 4, 5] over [4, 5], weight', inputs: draws(32, [[2, 3, 4, 5], [4, 5]]), call: (fn, x, w) => fn(x!, [4, 5], w!) },
      { label: '[3, 5] over 5, no weight, eps 1e-5', inputs: draws(33, [[3, 5]], 1, 0.5), call: (fn, x) => fn(x!, 5, null, 1e-5) },
      { label: '[7] over [7] (one row)', inputs: draws(34, [[7], [7]]), call: (fn, x, w) => fn(x!, [7], w!) },
    ],
  },
};
