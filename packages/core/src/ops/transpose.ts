import { ShapeError } from '../errors.js';
import { formatShape } from '../text.js';
import { normalizeDim } from '../shape.js';
import { permutedView } from '../kernels/layout.js';
import { applyOp, type OpSpec } from '../tape.js';
import { Tensor } from '../tensor.js';

/** A permutation and its inverse; one frozen object per permutation, shared by every node that applies it. */
interface PermuteAttrs {
  readonly dims: readonly number[];
  readonly inverse: readonly number[];
}

/** Reorders dims as a view (no copy); dx = dy permuted back. @internal */
export const permuteOp: OpSpec<PermuteAttrs> = {
  name: 'permute',
  forward(ctx, x) {
    return permutedView(x, ctx.attrs.dims);
  },
  backward(ctx, dy) {
    return [permutedView(dy, ctx.attrs.inverse)];
  },
};

/** The attributes of each permutation of up to 8 dims met so far, by a number made of its dims (3 bits each). */
const attrsByKey = new Map<number, PermuteAttrs>();

/** The attributes for `dims` (a permutation of 0..rank-1, checked): shared for up to 8 dims, else new. */
function permuteAttrs(dims: readonly number[]): PermuteAttrs {
  let key = -1;
  if (dims.length <= 8) {
    key = 1; // a leading 1 tells [0] from []
    for (let i = 0; i < dims.length; i++) key = key * 8 + dims[i]!;
    const known = attrsByKey.get(key);
    if (known !== undefined) return known;
  }
  const own = Object.freeze([...dims]);
  const inverse = new Array<number>(dims.length);
  for (let i = 0; i < dims.length; i++) inverse[dims[i]!] = i;
  const attrs: PermuteAttrs = Object.freeze({ dims: own, inverse: Object.freeze(inverse) });
  if (key !== -1) attrsByKey.set(key, attrs);
  return attrs;
}

/** The dims of each rank reversed (what `Tensor.T` permutes by), frozen. @internal */
export function reversedDims(rank: number): readonly number[] {
  return (reversed[rank] ??= Object.freeze(Array.from({ length: rank }, (_, i) => rank - 1 - i)));
}
const reversed: (readonly number[])[] = [];

/** Whether a dim occurs twice in `dims` (a few dims: compared pairwise, without a Set per call). */
function hasRepeats(dims: readonly number[]): boolean {
  for (let i = 1; i < dims.length; i++) for (let j = 0; j < i; j++) if (dims[i] === dims[j]) return true;
  return false;
}

/** Whether `dims` is a permutation of 0..rank-1 as it is (no negative dims to resolve). */
function isPermutation(dims: readonly number[], rank: number): boolean {
  if (dims.length !== rank || rank > 30) return false;
  let seen = 0;
  for (let i = 0; i < rank; i++) {
    const d = dims[i]!;
    if (!Number.isInteger(d) || d < 0 || d >= rank || (seen & (1 << d)) !== 0) return false;
    seen |= 1 << d;
  }
  return true;
}

/**
 * Reorders the dims of `x`: output dim `i` is input dim `dims[i]`. A view: no data is copied.
 *
 * @param x - the tensor.
 * @param dims - a permutation of `0..ndim-1`.
 * @throws {@link ShapeError} when `dims` is not a permutation of `0..ndim-1`.
 * @example
 * ```ts
 * import { zeros, permute } from '@tapegrad/core';
 * console.log(permute(zeros([2, 3, 4]), [2, 0, 1]).shape, zeros([2, 3]).permute([1, 0]).shape); // [4, 2, 3] [3, 2]
 * ```
 * @category Ops
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const rank = x.ndim;
  // dims that need no resolving (the usual case) are looked up as they are, without a copy
  if (Array.isArray(dims) && isPermutation(dims, rank)) return applyOp(permuteOp, [x], permuteAttrs(dims));
  const resolved = dims.map((d) => normalizeDim('permute', d, rank));
  if (resolved.length !== rank || hasRepeats(resolved)) {
    throw new ShapeError(`permute: dims must be a permutation of 0..${rank - 1} (got [${dims.join(', ')}] for shape ${formatShape(x.shape)})`);
  }
  return applyOp(permuteOp, [x], permuteAttrs(resolved));
}

/**
 * Swaps dims `dim0` and `dim1` of `x`; without them, transposes a 2-D tensor (PyTorch's `t()`;
 * a 0-D or 1-D tensor comes back as it is). A view: no data is copied.
 *
 * @param x - the tensor.
 * @param dim0 - the first dim to swap (negative counts from the end); give both or neither.
 * @param dim1 - the second dim to swap.
 * @throws {@link ShapeError} when a dim is out of range, only one dim is given, or no dims are given
 *   for a tensor of more than 2 dims.
 * @example
 * ```ts
 * import { tensor, transpose, zeros } from '@tapegrad/core';
 * console.log(transpose(tensor([[1, 2, 3]])).toArray()); // [[1], [2], [3]]
 * console.log(zeros([2, 3, 4]).transpose(0, 2).shape); // [4, 3, 2]
 * ```
 * @category Ops
 */
export function transpose(x: Tensor, dim0?: number, dim1?: number): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`transpose: input must be a Tensor (got ${typeof x})`);
  if (dim0 === undefined && dim1 === undefined) {
    if (x.ndim > 2) throw new ShapeError(`transpose: without dims the input must be at most 2-D (got ${formatShape(x.shape)}); pass the two dims to swap`);
    if (x.ndim < 2) return x;
    return permute(x, reversedDims(2));
  }
  if (dim0 === undefined || dim1 === undefined) throw new ShapeError(`transpose: pass both dims to swap (got ${dim0} and ${dim1})`);
  const d0 = normalizeDim('transpose', dim0, x.ndim);
  const d1 = normalizeDim('transpose', dim1, x.ndim);
  const dims = x.shape.map((_, i) => (i === d0 ? d1 : i === d1 ? d0 : i));
  return permute(x, dims);
}
