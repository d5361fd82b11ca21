export { gemmF32, gemmF64, gemmWorkspaceBytes, MR } from './gemm';
export {
  adamF32, adamF64, reluF32, reluF64, reluBackwardF32, reluBackwardF64,
  addRowVectorF32, addRowVectorF64, sumRowsF32, sumRowsF64,
} from './pointwise';
export {
  batchNormForwardF32, batchNormForwardF64, batchNormBackwardF32, batchNormBackwardF64,
  layerNormForwardF32, layerNormForwardF64, layerNormBackwardF32, layerNormBackwardF64,
} from './norm';
export {
  im2colF32, im2colF64, col2imF32, col2imF64, cnlToNclF32, cnlToNclF64, nclToCnlF32, nclToCnlF64,
} from './conv';
export {
  maxPool2dForwardF32, maxPool2dForwardF64, maxPool2dBackwardF32, maxPool2dBackwardF64, avgPool2dF32, avgPool2dF64,
} from './pool';
export {
  batchNorm2dForwardF32, batchNorm2dForwardF64, batchNorm2dBackwardF32, batchNorm2dBackwardF64,
  groupNormForwardF32, groupNormForwardF64, groupNormBackwardF32, groupNormBackwardF64,
  rmsNormForwardF32, rmsNormForwardF64, rmsNormBackwardF32, rmsNormBackwardF64,
} from './norm2d';
