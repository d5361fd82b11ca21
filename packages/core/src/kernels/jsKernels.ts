/**
 * The pure-TypeScript kernel set: runs wherever JavaScript does, and is the reference the
 * WebAssembly kernels are tested against.
 * @module
 * @internal
 */
import type { KernelSet } from './kernelSet.js';
import { gemmJs } from './gemmJs.js';
import { batchNormBackwardJs, batchNormForwardJs, layerNormBackwardJs, layerNormForwardJs } from './normJs.js';
import { adamUpdateJs, addRowVectorJs, reluBackwardJs, reluJs, sumRowsJs } from './pointwiseJs.js';
import { spatialKernelsJs } from './spatialJs.js';

/** The `'js'` kernel set. @internal */
export const jsKernels: KernelSet = {
  name: 'js',
  threads: 0,
  reason: "asked for (setKernels('js') or TAPEGRAD_KERNELS=js)",
  gemm: gemmJs,
  addRowVector: addRowVectorJs,
  sumRows: sumRowsJs,
  relu: reluJs,
  reluBackward: reluBackwardJs,
  batchNormForward: batchNormForwardJs,
  batchNormBackward: batchNormBackwardJs,
  layerNormForward: layerNormForwardJs,
  layerNormBackward: layerNormBackwardJs,
  adamUpdate: adamUpdateJs,
  ...spatialKernelsJs,
  // long-lived buffers: not from allocate, so no recycling scope records them
  allocate: (dtype, length) => (dtype === 'float32' ? new Float32Array(length) : new Float64Array(length)),
};
