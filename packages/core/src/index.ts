/**
 * @tapegrad/core: tensors over ndarray (float32 and float64), a reverse-mode autodiff tape,
 * broadcasting ops, a numpy-compatible seeded RNG, user-defined ops with handwritten backward
 * passes, and gradient checking.
 *
 * @example
 * ```ts
 * import { manualSeed, randn } from '@tapegrad/core';
 * manualSeed(231);
 * const W = randn([3, 2], { dtype: 'float64', requiresGrad: true });
 * const x = randn([4, 3], { dtype: 'float64' });
 * const loss = x.matmul(W).relu().sum();
 * loss.backward();
 * console.log(W.grad?.shape); // [3, 2]
 * ```
 * @packageDocumentation
 */
export { ShapeError, DtypeError, GraphError } from './errors.js';
export { formatShape, formatDuration, toSnakeCase, toCamelCase } from './text.js';
export { checkFloatTensor, checkFloatDtype } from './checks.js';
export { sameShape } from './shape.js';
export { nodeBuiltin } from './nodeBuiltin.js';
export { writeFileAtomic, type WriteFileAtomicOptions } from './writeFileAtomic.js';
export {
  setDefaultDtype, getDefaultDtype,
  type DType, type FloatDType, type IntDType, type TypedArray, type TypedArrayOf, type FloatArray, type NdArray,
} from './dtype.js';
export { recyclingArrays, giveBackArrays } from './recycling.js';
export { releaseGrad } from './backward.js';
export { Tensor, type TensorLike, type NestedArray } from './tensor.js';
export { TapeNode, releaseWithGraph, type OpContext, type OpSpec } from './tape.js';
export { noGrad, enableGrad, isGradEnabled } from './gradMode.js';
export { AnomalyError, detectAnomaly, setAnomalyDetection, isAnomalyDetectionEnabled } from './anomaly.js';
export {
  tensor, fromArray, zeros, ones, full, zerosLike, onesLike, arange, linspace, logspace, eye,
  type CreationOptions, type TensorOptions,
} from './creation.js';
export { defineOp, defineOpWithAttrs } from './defineOp.js';
export { createNdArray, contiguousNdArray, matmulNdArray } from './ndarrays.js';
export { gemm } from './kernels/gemm.js';
export { setKernels, getKernels, kernelsReady, type KernelOptions } from './kernels/registry.js';
export type { KernelSet, KernelName, AdamStep } from './kernels/kernelSet.js';
export type { SpatialKernels, SpatialWindow } from './kernels/spatialKernelSet.js';
export { spatialWindow, type WindowOptions } from './ops/window.js';
export { opTable, type PrimitiveName } from './ops/table.js';

export { add } from './ops/add.js';
export { sub } from './ops/sub.js';
export { mul } from './ops/mul.js';
export { div } from './ops/div.js';
export { maximum } from './ops/maximum.js';
export { minimum } from './ops/minimum.js';
export { pow } from './ops/pow.js';
export { neg } from './ops/neg.js';
export { sqrt } from './ops/sqrt.js';
export { exp } from './ops/exp.js';
export { log } from './ops/log.js';
export { abs } from './ops/abs.js';
export { relu } from './ops/relu.js';
export { matmul } from './ops/matmul.js';
export { transpose, permute } from './ops/transpose.js';
export { reshape, flatten, squeeze, unsqueeze } from './ops/reshape.js';
export { sum } from './ops/sum.js';
export { mean } from './ops/mean.js';
export { variance, variance as var, std, type VarianceOptions } from './ops/var.js';
export { max, min } from './ops/max.js';
export { argmax, argmin } from './ops/argmax.js';
export { softmax } from './ops/softmax.js';
export { logSoftmax } from './ops/logSoftmax.js';
export { fdlibmExp } from './math/fdlibmExp.js';
export { logSoftmaxShift } from './kernels/softmax.js';
export { inputList } from './opContext.js';
export { indexRows, indexRows as index, indexRowsInto, type RowIndex } from './ops/indexRows.js';
export { cast } from './ops/cast.js';
export { clone } from './ops/clone.js';
export { pad } from './ops/pad.js';
export { unfold, type UnfoldOptions } from './ops/unfold.js';

export {
  Generator, defaultGenerator, manualSeed, randn, rand, randint, normal, uniform, choice, permutation,
  type ShapeLike,
} from './random/generator.js';
export { RandomState, type RandomStateSnapshot, type FloatOut } from './random/randomState.js';
export { MT19937, type MT19937State } from './random/mt19937.js';

export {
  numericalGradient, numericalGradientArray, relError, gradcheck,
  type GradcheckOptions, type GradcheckReport,
} from './gradcheck.js';
