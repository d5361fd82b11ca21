/**
 * Parameters and buffers: the tensors a {@link Module} registers from its fields.
 * @module
 */
import { Tensor, contiguousNdArray, fromArray, getKernels, type NdArray } from '@tapegrad/core';

/**
 * A tensor that is a module's learnable parameter (PyTorch's `nn.Parameter`): a leaf that requires
 * grad. Assigning one to a field of a {@link Module} registers it.
 *
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { Parameter } from '@tapegrad/nn';
 * const w = new Parameter(zeros([3, 2]));
 * console.log(w.requiresGrad, w.isLeaf); // true true
 * ```
 * @category Modules
 */
export class Parameter extends Tensor {
  /**
   * @param data - the initial values; a tensor's data is shared, not copied (it is cut from any graph).
   * @param requiresGrad - default true.
   */
  constructor(data: Tensor | NdArray, requiresGrad = true) {
    super(data instanceof Tensor ? data.data : data, { requiresGrad });
  }
}

/**
 * A tensor that is part of a module's state but not learned (PyTorch's `nn.Buffer`), such as
 * BatchNorm's running statistics. Assigning one to a field of a {@link Module} registers it; it goes
 * into `stateDict()` unless `persistent` is false.
 *
 * @example
 * ```ts
 * import { zeros } from '@tapegrad/core';
 * import { Buffer } from '@tapegrad/nn';
 * const runningMean = new Buffer(zeros([4]));
 * console.log(runningMean.persistent); // true
 * ```
 * @category Modules
 */
export class Buffer extends Tensor {
  /** Whether the buffer is saved in `stateDict()` (default true). */
  readonly persistent: boolean;
  /**
   * @param data - the initial values; a tensor's data is shared, not copied.
   * @param opts - `persistent` (default true).
   */
  constructor(data: Tensor | NdArray, opts: { persistent?: boolean } = {}) {
    super(data instanceof Tensor ? data.data : data);
    this.persistent = opts.persistent ?? true;
  }
}

/**
 * A copy of a float tensor in the active kernel set's memory (`getKernels().allocate`), cut from any
 * graph: the kernels read and update it in place (the WebAssembly GEMM and Adam then copy nothing in
 * or out for it). The layers put the parameters they create there. An integer tensor comes back as
 * it is. @internal
 */
export function inKernelMemory(t: Tensor): Tensor {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') return t;
  const src = contiguousNdArray(t.data);
  const values = getKernels().allocate(t.dtype, t.size);
  values.set(src.data.subarray(src.offset, src.offset + t.size));
  return fromArray(values, t.shape);
}
