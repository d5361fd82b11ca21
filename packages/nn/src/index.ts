/**
 * @tapegrad/nn: PyTorch-style modules on @tapegrad/core tensors.
 * @packageDocumentation
 */
export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Parameter, Buffer } from './parameter.js';
export { setBackwardMode, type BackwardMode, type HasBackwardMode } from './backwardMode.js';
export { batchNormComposed, batchNormFused, type BatchNormOptions } from './functional/batchNorm.js';
export { layerNormComposed, layerNormFused } from './functional/layerNorm.js';
export { BatchNorm1d, type BatchNorm1dOptions } from './batchNorm1d.js';
export { LayerNorm, type LayerNormOptions } from './layerNorm.js';
export {
  compareGradients, GradientComparison,
  type CompareGradientsOptions, type FunctionPair, type TensorFunction, type GradientDifference, type GradientTimings,
} from './compareGradients.js';
