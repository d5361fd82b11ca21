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
export { Linear, type LinearOptions } from './linear.js';
export { ReLU, type ReLUOptions } from './relu.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Flatten } from './flatten.js';
export { Sequential } from './sequential.js';
export { CrossEntropyLoss } from './crossEntropyLoss.js';
export { linearComposed, linearFused } from './functional/linear.js';
export { reluComposed, reluFused } from './functional/relu.js';
export { crossEntropy, type CrossEntropyOptions } from './functional/crossEntropy.js';
export { dropout } from './functional/dropout.js';
export * as init from './init.js';
