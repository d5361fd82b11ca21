export { gemmF32, gemmF64, gemmWorkspaceBytes, MR } from './gemm';
export {
  adamF32, adamF64, reluF32, reluF64, reluBackwardF32, reluBackwardF64,
  addRowVectorF32, addRowVectorF64, sumRowsF32, sumRowsF64,
} from './pointwise';
export {
  batchNormForwardF32, batchNormForwardF64, batchNormBackwardF32, batchNormBackwardF64,
  layerNormForwardF32, layerNormForwardF64, layerNormBackwardF32, layerNormBackwardF64,
} from './norm';
