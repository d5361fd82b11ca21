/**
 * The GEMM floor of a W1–W3 step on tapegrad: only the matrix products of one step (`stepGemms.ts`),
 * with their shapes, transposes, leading dimensions and dtype, through core's `gemm` as the step's
 * `matmul` calls it. `training.ts`'s `tapegrad-wasm-gemm` rows time it (`trainingChild.ts`), and
 * `gemmFloorCheck.ts` sets it against the real step's own GEMM calls.
 * @module
 */
import { gemm, type FloatArray, type KernelSet } from '@tapegrad/core';
import { filled } from './sampleData.js';
import { MINIBATCHES, leadingDims, operandShapes, stepGemms, type WeightLayout } from './stepGemms.js';
import type { TrainingConfig } from './w1Workload.js';

/** Where the floor's operands live. */
export interface FloorOperands {
  /** The kernel set whose memory holds the operands (its `allocate`). */
  kernels: KernelSet;
  /** Arrays by key, shared between floors made with the same map (the two forms' arrays of one name have one size). */
  arrays?: Map<string, FloatArray>;
  /** Names of tensors to keep in plain typed arrays instead (default none: all in the kernels' memory). */
  plain?: ReadonlySet<string>;
}

/**
 * One step's products as a function that runs them. Every tensor the list names is one array made
 * once, by default in the kernels' memory (where the step's operands are after its first steps), the
 * same array wherever the step reuses the tensor (W in forward and dx, h in forward and dW, dy in dx
 * and dW); C is overwritten in place. The minibatch `h0` is one of `MINIBATCHES` arrays in turn, as
 * the step cycles its minibatches.
 */
export function gemmFloorStep(cfg: TrainingConfig, layout: WeightLayout, { kernels, arrays = new Map(), plain = new Set() }: FloorOperands): () => void {
  const gemms = stepGemms(cfg, layout);
  const shapes = operandShapes(gemms);
  const operand = (tensor: string, batch: number): FloatArray => {
    const [rows, cols] = shapes.get(tensor)!;
    const inPlace = !plain.has(tensor);
    const key = `${tensor} ${rows * cols}${tensor === 'h0' ? ` ${batch}` : ''}${inPlace ? '' : ' plain'}`;
    let values = arrays.get(key);
    if (values === undefined) {
      const length = rows * cols;
      values = inPlace ? kernels.allocate(cfg.dtype, length) : cfg.dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
      (values as Float64Array).set(filled(cfg.dtype, length, arrays.size + 1));
      arrays.set(key, values);
    }
    return values;
  };
  const steps = Array.from({ length: MINIBATCHES }, (_, i) => gemms.map((g) => ({ g, a: operand(g.a, i), b: operand(g.b, i), c: operand(g.c, i), ld: leadingDims(g) })));
  let i = 0;
  return () => {
    for (const { g, a, b, c, ld } of steps[i++ % MINIBATCHES]!) gemm(g.transA, g.transB, g.m, g.n, g.k, a, 0, ld[0], b, 0, ld[1], c, 0, ld[2], false);
  };
}
