/**
 * The `'js'` kernel set's convolution, pooling and NCHW-norm kernels (see {@link SpatialKernels}).
 * @module
 * @internal
 */
import type { SpatialKernels } from './spatialKernelSet.js';
import { cnlToNclJs, col2imJs, im2colJs, nclToCnlJs } from './convJs.js';
import { avgPool2dBackwardJs, avgPool2dForwardJs, maxPool2dBackwardJs, maxPool2dForwardJs } from './poolJs.js';
import {
  batchNorm2dBackwardJs, batchNorm2dForwardJs, groupNormBackwardJs, groupNormForwardJs, rmsNormBackwardJs, rmsNormForwardJs,
} from './norm2dJs.js';

/** The spatial kernels in TypeScript. @internal */
export const spatialKernelsJs: SpatialKernels = {
  im2col: im2colJs,
  col2im: col2imJs,
  cnlToNcl: cnlToNclJs,
  nclToCnl: nclToCnlJs,
  maxPool2dForward: maxPool2dForwardJs,
  maxPool2dBackward: maxPool2dBackwardJs,
  avgPool2dForward: avgPool2dForwardJs,
  avgPool2dBackward: avgPool2dBackwardJs,
  batchNorm2dForward: batchNorm2dForwardJs,
  batchNorm2dBackward: batchNorm2dBackwardJs,
  groupNormForward: groupNormForwardJs,
  groupNormBackward: groupNormBackwardJs,
  rmsNormForward: rmsNormForwardJs,
  rmsNormBackward: rmsNormBackwardJs,
};
