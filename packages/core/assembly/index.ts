export { gemmF32, gemmF64, gemmWorkspaceBytes, MR } from './gemm';
