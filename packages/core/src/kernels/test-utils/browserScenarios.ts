/**
 * What the browser tests run, in a page or in a dedicated Worker, through `@tapegrad/core`'s public
 * entry point as a user's bundle would: choosing kernels, products, a few training-like steps. The
 * same functions run in Node (under vitest) for the references the browser's results are held to.
 * Everything returned is plain data (it crosses postMessage and Playwright).
 */
import { getKernels, kernelsReady, manualSeed, noGrad, randn, setKernels, type Tensor } from '@tapegrad/core';

/** What the active kernel set says about itself, and where it runs. */
export interface KernelReport {
  name: string;
  threads: number;
  reason: string;
  /** Products split over the GEMM threads so far (WebAssembly sets only; null for 'js'). */
  splitProducts: number | null;
  crossOriginIsolated: boolean | null;
  hardwareConcurrency: number | null;
  /** Whether this runs in a Worker (no `document`). */
  worker: boolean;
}

const web = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number }; document?: unknown };

/** The active set's report. */
export function report(): KernelReport {
  const k = getKernels();
  const split = (k as { splitProducts?: number }).splitProducts;
  return {
    name: k.name, threads: k.threads, reason: k.reason, splitProducts: split ?? null,
    crossOriginIsolated: web.crossOriginIsolated ?? null,
    hardwareConcurrency: web.navigator?.hardwareConcurrency ?? null,
    worker: web.document === undefined,
  };
}

/** `setKernels(name, { threads })`, then `kernelsReady()`: the report, or the Error's message. */
export async function select(name: 'js' | 'wasm' | 'auto', threads?: number): Promise<KernelReport | { error: string }> {
  try {
    setKernels(name, threads === undefined ? {} : { threads });
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
  await kernelsReady();
  return report();
}

/** The products the tests check: [m, k, n, dtype]; the last ones are large enough to be split over threads. */
export const PRODUCT_CASES: readonly (readonly [number, number, number, 'float32' | 'float64'])[] = [
  [1, 2, 1, 'float32'], [37, 301, 45, 'float32'], [37, 301, 45, 'float64'],
  [64, 512, 256, 'float32'], [300, 700, 50, 'float64'],
];

/** The operands of product case `i` (seeded, so Node makes the same ones). */
export function productInputs(i: number): { a: Tensor; b: Tensor } {
  const [m, k, n, dtype] = PRODUCT_CASES[i]!;
  manualSeed(100 + i);
  return { a: randn([m, k], { dtype }), b: randn([k, n], { dtype }) };
}

/** Every case's `a.matmul(b)`, row-major. */
export function products(): number[][] {
  return PRODUCT_CASES.map((_, i) => {
    const { a, b } = productInputs(i);
    return Array.from(a.matmul(b).toFloat64Array());
  });
}

/** Sizes of {@link training}. */
export interface TrainingSize {
  batch: number;
  input: number;
  hidden: number;
  output: number;
  steps: number;
}

/**
 * A few training-like steps in float32: `loss = Σ (relu(x·W1)·W2) ⊙ r` with a random upstream `r`,
 * backward, then `W ← W − 0.01·dW`. At the default size every product, forward and backward, is
 * at least 4 MFLOP, so each one is split when there are threads.
 * @returns the losses and the final weights, row-major.
 */
export function training(size: TrainingSize = { batch: 64, input: 512, hidden: 256, output: 128, steps: 3 }): { losses: number[]; w1: number[]; w2: number[] } {
  manualSeed(7);
  const x = randn([size.batch, size.input]);
  const r = randn([size.batch, size.output]);
  const w1 = randn([size.input, size.hidden], { requiresGrad: true });
  const w2 = randn([size.hidden, size.output], { requiresGrad: true });
  noGrad(() => {
    w1.copy_(w1.mul(1 / Math.sqrt(size.input)));
    w2.copy_(w2.mul(1 / Math.sqrt(size.hidden)));
  });
  const losses: number[] = [];
  for (let step = 0; step < size.steps; step++) {
    w1.grad = null;
    w2.grad = null;
    const loss = x.matmul(w1).relu().matmul(w2).mul(r).sum();
    loss.backward();
    losses.push(loss.item());
    noGrad(() => {
      w1.copy_(w1.sub(w1.grad!.mul(0.01)));
      w2.copy_(w2.sub(w2.grad!.mul(0.01)));
    });
  }
  return { losses, w1: Array.from(w1.toFloat64Array()), w2: Array.from(w2.toFloat64Array()) };
}

/**
 * `setKernels('wasm', { threads })` and at once, before yielding, the large float32 product (case
 * 3); then `kernelsReady()`. Returns the reports before and after, and the product.
 */
export async function productBeforeReady(threads: number): Promise<{ atOnce: KernelReport; ready: KernelReport; product: number[] }> {
  setKernels('wasm', { threads });
  const { a, b } = productInputs(3);
  const product = Array.from(a.matmul(b).toFloat64Array());
  const atOnce = report();
  await kernelsReady();
  return { atOnce, ready: report(), product };
}

/** The scenarios by name, for the bundle's entry. */
export const scenarios = { report, select, products, training, productBeforeReady };
