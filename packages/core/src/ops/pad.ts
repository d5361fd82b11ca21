import { ShapeError } from '../errors.js';
import { formatShape } from '../text.js';
import { createNd, dtypeOf, toContiguous } from '../kernels/layout.js';
import { applyOp, type OpSpec } from '../tape.js';
import type { Tensor } from '../tensor.js';
import { unaryOperand } from './operands.js';

/** [top, bottom, left, right]. */
type Pads = readonly [number, number, number, number];

/**
 * Zero padding of the last two dims; dx = dy without the padding. Both directions copy whole rows
 * (`TypedArray.set`). @internal
 */
export const padOp: OpSpec<{ pads: Pads }> = {
  name: 'pad',
  forward(ctx, x) {
    const [top, bottom, left, right] = ctx.attrs.pads;
    const src = toContiguous(x);
    const shape = src.shape;
    const h = shape[shape.length - 2]!, w = shape[shape.length - 1]!;
    const H = h + top + bottom, W = w + left + right;
    const out = createNd(dtypeOf(src), [...shape.slice(0, -2), H, W]);
    const planes = h * w === 0 ? 0 : src.size / (h * w);
    for (let p = 0; p < planes; p++) {
      for (let i = 0; i < h; i++) {
        const from = src.offset + (p * h + i) * w;
        out.data.set(src.data.subarray(from, from + w), (p * H + i + top) * W + left);
      }
    }
    return out;
  },
  backward(ctx, dy) {
    const [top, , left] = ctx.attrs.pads;
    const shape = ctx.inputShapes[0]!;
    const h = shape[shape.length - 2]!, w = shape[shape.length - 1]!;
    const g = toContiguous(dy);
    const H = g.shape[g.shape.length - 2]!, W = g.shape[g.shape.length - 1]!;
    const dx = createNd(dtypeOf(g), shape, false);
    const planes = h * w === 0 ? 0 : dx.size / (h * w);
    for (let p = 0; p < planes; p++) {
      for (let i = 0; i < h; i++) {
        const from = g.offset + (p * H + i + top) * W + left;
        dx.data.set(g.data.subarray(from, from + w), (p * h + i) * w);
      }
    }
    return [dx];
  },
};

/**
 * Pads the last two dims of `x` with zeros: `pads = [top, bottom, left, right]` rows and columns.
 * The gradient is the upstream gradient without the padding.
 *
 * Note the order: PyTorch's `F.pad(x, (left, right, top, bottom))` lists the last dim first; this
 * takes the rows first, as convolution padding is written here (`[top, bottom, left, right]`).
 *
 * @param x - `[..., H, W]`, at least 2-D, float32 or float64.
 * @param pads - `[top, bottom, left, right]`, non-negative integers.
 * @returns `[..., H + top + bottom, W + left + right]`.
 * @throws {@link ShapeError} when `x` has fewer than 2 dims.
 * @throws RangeError when `pads` is not four non-negative integers.
 * @example
 * ```ts
 * import { tensor, pad } from '@tapegrad/core';
 * console.log(pad(tensor([[1, 2]]), [1, 0, 0, 1]).toArray()); // [[0, 0, 0], [1, 2, 0]]
 * ```
 * @category Ops
 */
export function pad(x: Tensor, pads: readonly [number, number, number, number]): Tensor {
  const [input] = unaryOperand('pad', x);
  if (input.ndim < 2) throw new ShapeError(`pad: expected an input of at least 2 dims [..., H, W] (got ${formatShape(input.shape)})`);
  if (!Array.isArray(pads) || pads.length !== 4 || !pads.every((p) => Number.isInteger(p) && p >= 0)) {
    throw new RangeError(`pad: pads must be [top, bottom, left, right], non-negative integers (got ${JSON.stringify(pads)})`);
  }
  return applyOp(padOp, [input], { pads: [pads[0], pads[1], pads[2], pads[3]] });
}
