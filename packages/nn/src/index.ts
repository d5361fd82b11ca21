/**
 * @tapegrad/nn: PyTorch-style modules on @tapegrad/core tensors. Linear, ReLU, BatchNorm1d,
 * LayerNorm, Conv2d, BatchNorm2d, GroupNorm and RMSNorm each have a composed form (the tape derives the gradient) and a fused form (one tape
 * node with a handwritten backward), paired in `fusedOpTable`, switchable per module (`pickForm`
 * chooses) and compared by `compareGradients`.
 * @packageDocumentation
 */
export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Parameter, Buffer } from './parameter.js';
export { setBackwardMode, type BackwardMode, type HasBackwardMode } from './backwardMode.js';

export { Linear, type LinearOptions } from './linear.js';
export { ReLU, type ReLUOptions } from './relu.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Flatten } from './flatten.js';
export { Sequential } from './sequential.js';
export { BatchNorm1d, type BatchNorm1dOptions } from './batchNorm1d.js';
export { LayerNorm, type LayerNormOptions } from './layerNorm.js';
export { Conv2d, type Conv2dLayerOptions } from './conv2d.js';
export { MaxPool2d } from './maxPool2d.js';
export { AvgPool2d } from './avgPool2d.js';
export { BatchNorm2d, type BatchNorm2dOptions } from './batchNorm2d.js';
export { GroupNorm, type GroupNormOptions } from './groupNorm.js';
export { RMSNorm, type RMSNormOptions } from './rmsNorm.js';
export { CrossEntropyLoss } from './crossEntropyLoss.js';
export { FullyConnectedNet, type FullyConnectedNetOptions, type LossAndGrads } from './fullyConnectedNet.js';
export { ThreeLayerConvNet, type ThreeLayerConvNetOptions } from './threeLayerConvNet.js';

export { linearComposed, linearFused } from './functional/linear.js';
export { reluComposed, reluFused } from './functional/relu.js';
export { batchNormComposed, batchNormFused, type BatchNormOptions } from './functional/batchNorm.js';
export { layerNormComposed, layerNormFused } from './functional/layerNorm.js';
export { sumOfSquaresComposed, sumOfSquaresFused } from './functional/sumOfSquares.js';
export { fusedOpTable, pickForm, type FusedOpName, type FusedOpPair, type FusedOpSignature } from './functional/fusedOpTable.js';
export { conv2d, conv2dComposed, conv2dFused, type Conv2dOptions } from './functional/conv2d.js';
export { maxPool2d, type MaxPool2dOptions } from './functional/maxPool2d.js';
export { avgPool2d, type AvgPool2dOptions } from './functional/avgPool2d.js';
export { batchNorm2dComposed, batchNorm2dFused } from './functional/batchNorm2d.js';
export { groupNormComposed, groupNormFused } from './functional/groupNorm.js';
export { rmsNormComposed, rmsNormFused } from './functional/rmsNorm.js';
export { convReluPoolComposed, convReluPoolFused, type ConvReluPoolOptions } from './functional/convReluPool.js';
export { crossEntropy, crossEntropyComposed, crossEntropyFused, type CrossEntropyOptions } from './functional/crossEntropy.js';
export { dropout } from './functional/dropout.js';
export * as init from './init.js';

export {
  compareGradients, GradientComparison,
  type CompareGradientsOptions, type FunctionPair, type TensorFunction, type GradientDifference, type GradientTimings,
} from './compareGradients.js';

export {
  save, load, encodeSafetensors, decodeSafetensors, parseSafetensors, SafetensorsError,
  MAX_HEADER_BYTES, MAX_RANK,
  type SaveOptions, type EncodeOptions, type DecodeOptions, type SafetensorsContents,
} from './safetensors/index.js';
