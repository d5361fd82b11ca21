/**
 * The error classes of tapegrad. Messages read `<op or module>: <what was expected> (got <what came>)`.
 * @module
 */

/**
 * A tensor had the wrong shape or rank for an op, or two shapes did not broadcast.
 *
 * @example
 * ```ts
 * import { zeros, matmul, ShapeError } from '@tapegrad/core';
 * try { matmul(zeros([2, 3]), zeros([4, 5])); } catch (e) { console.log(e instanceof ShapeError); } // true
 * ```
 * @category Errors
 */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/**
 * A tensor had a dtype an op does not accept, or two inputs' dtypes differed.
 *
 * @example
 * ```ts
 * import { zeros, add, DtypeError } from '@tapegrad/core';
 * try { add(zeros([2], { dtype: 'float32' }), zeros([2], { dtype: 'float64' })); }
 * catch (e) { console.log(e instanceof DtypeError); } // true
 * ```
 * @category Errors
 */
export class DtypeError extends Error {
  override readonly name = 'DtypeError';
}

/**
 * The autograd graph was used wrongly: backward through a freed graph, backward from a non-scalar
 * without a gradient, or a backward that returned the wrong number of gradients.
 *
 * @example
 * ```ts
 * import { ones, GraphError } from '@tapegrad/core';
 * const y = ones([3], { requiresGrad: true }).mul(2);
 * try { y.backward(); } catch (e) { console.log(e instanceof GraphError); } // true: y is not a scalar
 * ```
 * @category Errors
 */
export class GraphError extends Error {
  override readonly name = 'GraphError';
}

/** The message for a read of a tensor whose array went back to the allocator. @internal */
export const RELEASED_MESSAGE =
  'Tensor: the values of this tensor were given back for reuse (got a read after that: by releaseWithGraph once backward freed its graph, by releaseGrad or an optimizer\'s zeroGrad for a gradient, or by giveBackArrays); clone what you read later before it is given back';
