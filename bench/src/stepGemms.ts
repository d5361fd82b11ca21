/**
 * The matrix products of one training step of W1–W3 (the notebook's net 3072-(hidden×5)-10), as the
 * step calls the GEMM kernel: derived from the layer sizes and the weights' layout, so that the GEMM
 * floor rows of `training.ts` (`*-gemm`) run exactly those products and nothing else. Browser-safe
 * and free of the packages (the Python peers get the list as JSON).
 *
 * Per layer l of dims d = [3072, hidden × 5, 10], with x = h_l the layer's input [batch, d_l] and
 * dy the gradient at its output [batch, d_{l+1}]:
 * - `fcnet` (cs231n's FullyConnectedNet and the numpy port: W stored [in, out], used as x·W):
 *   forward x·W (A·B), then in the backward, from the last layer down, dx = dy·Wᵀ (A·Bᵀ; not for
 *   l = 0, whose input needs no gradient) and dW = xᵀ·dy (Aᵀ·B).
 * - `sequential` (nn's Linear and PyTorch's: W stored [out, in], used as x·Wᵀ): forward x·Wᵀ
 *   (A·Bᵀ), dx = dy·W (A·B), dW = dyᵀ·x (Aᵀ·B).
 *
 * An operand read transposed is stored row-major untransposed (dy [batch, out] read as dyᵀ), so its
 * leading dimension is its stored row length: lda = transA ? m : k, ldb = transB ? k : n, ldc = n.
 * @module
 */

/** One product C = op(A)·op(B) of a step, with core's `gemm` argument order (m, n, k). */
export interface StepGemm {
  /** `'forward'`, `'dx'` or `'dW'`, and the layer (0 = the first): e.g. `'dW 0'`. */
  what: string;
  transA: boolean;
  transB: boolean;
  /** Rows of C. */
  m: number;
  /** Columns of C. */
  n: number;
  /** The inner dimension. */
  k: number;
  /**
   * The step's tensors the product reads (a, b) and writes (c), by name: `h<l>` layer l's input
   * (`h0` is the minibatch), `W<l>` its weight, `y<l>` its output (before BatchNorm), `dy<l>` the
   * gradient there, `dh<l>` the gradient at its input, `dW<l>` the weight's. A name used twice is
   * the same array in the step (W in forward and dx, h in forward and dW, dy in dx and dW).
   */
  a: string;
  b: string;
  c: string;
}

/**
 * The steps cycle through this many minibatches (`w1Workload.ts`'s `minibatches`, the peers'
 * `batches`), so `h0` is a different array each step: the floor cycles as many copies of it.
 */
export const MINIBATCHES = 10;

/** How the weights are stored: `[in, out]` (cs231n, numpy) or `[out, in]` (nn's Linear, PyTorch). */
export type WeightLayout = 'fcnet' | 'sequential';

/** The net's sizes. */
export interface NetSizes {
  batch: number;
  hidden: number;
  /** Hidden layers (default 5), input width (3072) and classes (10). */
  layers?: number;
  input?: number;
  classes?: number;
}

function product(what: string, transA: boolean, transB: boolean, m: number, n: number, k: number, a: string, b: string, c: string): StepGemm {
  return { what, transA, transB, m, n, k, a, b, c };
}

/** The products of one step, in the order the step calls them: forward layer by layer, then the backward from the last layer down (dx before dW). */
export function stepGemms(sizes: NetSizes, layout: WeightLayout): StepGemm[] {
  const { batch: N, hidden, layers = 5, input = 3072, classes = 10 } = sizes;
  for (const [name, v] of Object.entries({ batch: N, hidden, layers, input, classes })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`stepGemms: ${name} must be a positive integer (got ${v})`);
  }
  const dims = [input, ...new Array<number>(layers).fill(hidden), classes];
  const fcnet = layout === 'fcnet';
  const forward: StepGemm[] = [], backward: StepGemm[] = [];
  for (let l = 0; l <= layers; l++) {
    const [inp, out] = [dims[l]!, dims[l + 1]!];
    const [h, W, dy] = [`h${l}`, `W${l}`, `dy${l}`];
    forward.push(product(`forward ${l}`, false, !fcnet, N, out, inp, h, W, `y${l}`));
    const grads: StepGemm[] = [];
    if (l > 0) grads.push(product(`dx ${l}`, false, fcnet, N, inp, out, dy, W, `dh${l}`));
    grads.push(fcnet ? product(`dW ${l}`, true, false, inp, out, N, h, dy, `dW${l}`) : product(`dW ${l}`, true, false, out, inp, N, dy, h, `dW${l}`));
    backward.unshift(...grads);
  }
  return [...forward, ...backward];
}

/** The leading dimensions of a product's operands as stored (row-major): `[lda, ldb, ldc]`. */
export function leadingDims(g: StepGemm): [number, number, number] {
  return [g.transA ? g.m : g.k, g.transB ? g.k : g.n, g.n];
}

/** The floating-point operations of the products, 2·m·n·k each. */
export function gemmFlops(gemms: readonly StepGemm[]): number {
  return gemms.reduce((s, g) => s + 2 * g.m * g.n * g.k, 0);
}

/**
 * Each named tensor's stored shape `[rows, cols]`, from the products that use it.
 * @throws Error when one name is used with two shapes (the list would not be one step's).
 */
export function operandShapes(gemms: readonly StepGemm[]): Map<string, [number, number]> {
  const shapes = new Map<string, [number, number]>();
  const note = (name: string, rows: number, cols: number, where: string) => {
    const seen = shapes.get(name);
    if (seen !== undefined && (seen[0] !== rows || seen[1] !== cols)) {
      throw new Error(`operandShapes: ${name} is [${seen[0]}, ${seen[1]}] elsewhere (got [${rows}, ${cols}] in ${where})`);
    }
    shapes.set(name, [rows, cols]);
  };
  for (const g of gemms) {
    note(g.a, g.transA ? g.k : g.m, g.transA ? g.m : g.k, g.what);
    note(g.b, g.transB ? g.n : g.k, g.transB ? g.k : g.n, g.what);
    note(g.c, g.m, g.n, g.what);
  }
  return shapes;
}
