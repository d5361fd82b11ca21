import { describe, expect, test } from 'vitest';
import { Generator, Tensor, detectAnomaly, getKernels, noGrad, relError, setKernels, zeros, type Tensor as T } from '@tapegrad/core';
import { BatchNorm1d, BatchNorm2d, batchNorm2dComposed, batchNorm2dFused, batchNormComposed, batchNormFused } from '@tapegrad/nn';
import { batchNormCallCount, takeBatchNormCall } from './batchNormCalls.js';

// The fused batch norms lend a reused per-call state (statistics, 1/σ, γ) to their tape node. These
// tests check each way a call's state could be taken while its graph still needs it: against the
// composed form, whose graph holds its own tensors, on fresh data each time.

const f64 = { dtype: 'float64' } as const;
const leaf = (t: T) => new Tensor(t.data, { requiresGrad: true });

/** Gradients of sum(y·G) for x, γ, β by `fn` on fresh leaves, and y. */
function grads(fn: typeof batchNormFused, x: T, w: T, b: T, G: T) {
  const [xl, wl, bl] = [leaf(x), leaf(w), leaf(b)];
  const y = fn(xl, wl, bl);
  y.backward(G);
  return { y, dx: xl.grad!, dw: wl.grad!, db: bl.grad! };
}

function expectSame(got: ReturnType<typeof grads>, want: ReturnType<typeof grads>) {
  expect(relError(got.y, want.y)).toBeLessThan(1e-12);
  expect(relError(got.dx, want.dx)).toBeLessThan(1e-9);
  expect(relError(got.dw, want.dw)).toBeLessThan(1e-11);
  expect(relError(got.db, want.db)).toBeLessThan(1e-11);
}

function data(g: Generator, n: number, c: number) {
  return { x: g.randn([n, c], f64).mul(3).add(7), w: g.randn([c], f64), b: g.randn([c], f64), G: g.randn([n, c], f64) };
}

describe('fused batch norm: the per-call state reused across calls', () => {
  test('two sizes alternating, each call forward then backward, give the composed results; the states are reused', () => {
    const g = new Generator(11);
    for (let step = 0; step < 6; step++) {
      for (const c of [7, 12]) {
        const d = data(g, 9, c);
        expectSame(grads(batchNormFused, d.x, d.w, d.b, d.G), grads(batchNormComposed, d.x, d.w, d.b, d.G));
      }
    }
    // one call at a time: its state comes back when its backward frees the graph
    expect(batchNormCallCount(7)).toBe(1);
    expect(batchNormCallCount(12)).toBe(1);
  });

  test('graphs kept across calls keep their states: later calls of the same size take others', () => {
    const g = new Generator(12);
    const c = 13;
    const ds = [data(g, 6, c), data(g, 6, c), data(g, 6, c)];
    const leaves = ds.map((d) => [leaf(d.x), leaf(d.w), leaf(d.b)] as const);
    // three forwards before any backward, on different data; then one backward through all three
    const ys = leaves.map(([x, w, b]) => batchNormFused(x, w, b));
    ys.map((y, i) => y.mul(ds[i]!.G).sum()).reduce((a, s) => a.add(s)).backward();
    for (let i = 0; i < 3; i++) {
      const want = grads(batchNormComposed, ds[i]!.x, ds[i]!.w, ds[i]!.b, ds[i]!.G);
      expect(relError(leaves[i]![0].grad!, want.dx)).toBeLessThan(1e-9);
      expect(relError(leaves[i]![1].grad!, want.dw)).toBeLessThan(1e-11);
    }
    expect(batchNormCallCount(c)).toBe(3);
    // all three graphs were freed: the next calls reuse their states
    const d = data(g, 6, c);
    expectSame(grads(batchNormFused, d.x, d.w, d.b, d.G), grads(batchNormComposed, d.x, d.w, d.b, d.G));
    expect(batchNormCallCount(c)).toBe(3);
  });

  test('a graph kept with retainGraph backs a second backward with its own state after other calls ran', () => {
    const g = new Generator(13);
    const c = 17;
    const d1 = data(g, 8, c);
    const [x1, w1, b1] = [leaf(d1.x), leaf(d1.w), leaf(d1.b)];
    const y1 = batchNormFused(x1, w1, b1);
    y1.backward(d1.G, { retainGraph: true });
    const first = x1.grad!.clone();
    // calls of the same size on other data in between, each freeing its own graph
    for (let k = 0; k < 3; k++) {
      const d = data(g, 8, c);
      expectSame(grads(batchNormFused, d.x, d.w, d.b, d.G), grads(batchNormComposed, d.x, d.w, d.b, d.G));
    }
    y1.backward(d1.G); // accumulates: twice the first gradient
    expect(relError(x1.grad!, first.mul(2))).toBeLessThan(1e-12);
    const want = grads(batchNormComposed, d1.x, d1.w, d1.b, d1.G);
    expect(relError(x1.grad!, want.dx.mul(2))).toBeLessThan(1e-9);
    expect(relError(w1.grad!, want.dw.mul(2))).toBeLessThan(1e-11);
  });

  test('calls that record nothing give their state back at once; dropped graphs never take more than the ring', () => {
    const g = new Generator(14);
    const c = 19;
    const d = data(g, 5, c);
    noGrad(() => {
      for (let k = 0; k < 10; k++) batchNormFused(d.x, d.w, d.b);
    });
    expect(batchNormCallCount(c)).toBe(1);
    // forwards whose graphs are dropped without a backward: each keeps its state (the ring is bounded)
    for (let k = 0; k < 40; k++) batchNormFused(leaf(d.x), d.w, d.b);
    expect(batchNormCallCount(c)).toBe(16);
    expectSame(grads(batchNormFused, d.x, d.w, d.b, d.G), grads(batchNormComposed, d.x, d.w, d.b, d.G));
  });

  test('states made past a full ring are plain arrays: a loop of dropped graphs does not grow the kernels\' memory', () => {
    const c = 31;
    const d = data(new Generator(19), 3, c);
    const heap = () => (getKernels() as { heap?: { allocatedBytes: number } }).heap?.allocatedBytes ?? 0;
    const before = heap();
    for (let k = 0; k < 300; k++) batchNormFused(leaf(d.x), d.w, d.b);
    // at most the ring's 16 states of 7 vectors of C float64 (each a block, rounded up to 64 bytes)
    expect(heap() - before).toBeLessThanOrEqual(16 * 7 * Math.ceil((c * 8) / 64) * 64);
    expect(batchNormCallCount(c)).toBe(16);
  });

  test('the vectors of a state in the kernels\' memory are blocks of their own: the kernel calls find them without reading their buffer', () => {
    const before = getKernels().name;
    try {
      setKernels('wasm');
      const heap = (getKernels() as unknown as { heap: { addressOf(view: ArrayBufferView): number } }).heap;
      const state = takeBatchNormCall(37, true, 1e-5, true, true);
      const vectors = [state.mean, state.variance, state.invStd, state.scale, state.shift, state.sumDy, state.sumDyXHat];
      const addresses = vectors.map((v) => v.byteOffset);
      for (const v of vectors) Object.defineProperty(v, 'buffer', { get: () => { throw new Error('buffer was read'); } });
      expect(vectors.map((v) => heap.addressOf(v))).toEqual(addresses);
      state.settle(null);
    } finally {
      setKernels(before);
    }
  });

  test('a forward that throws gives its state back', () => {
    const c = 23;
    // eps 0 and a constant column: 1/σ is infinite, y NaN, which anomaly mode rejects after forward ran
    const x = leaf(zeros([4, c], f64));
    expect(() => detectAnomaly(() => batchNormFused(x, null, null, { eps: 0 }))).toThrow(/batchNorm/);
    expect(batchNormCallCount(c)).toBe(1);
    const d = data(new Generator(15), 4, c);
    expectSame(grads(batchNormFused, d.x, d.w, d.b, d.G), grads(batchNormComposed, d.x, d.w, d.b, d.G));
    expect(batchNormCallCount(c)).toBe(1);
  });

  test('layers of two sizes in eval mode use their own running statistics between training steps', () => {
    const g = new Generator(16);
    const a = new BatchNorm1d(5, f64), b = new BatchNorm1d(6, f64);
    for (let step = 0; step < 3; step++) {
      for (const bn of [a, b]) {
        const x = leaf(g.randn([10, bn.numFeatures], f64).mul(2).add(1));
        bn.train();
        bn.forward(x).sum().backward();
        bn.eval();
        const xe = g.randn([4, bn.numFeatures], f64);
        const want = batchNormComposed(xe, bn.weight, bn.bias, { training: false, runningMean: bn.runningMean, runningVar: bn.runningVar });
        expect(relError(bn.forward(xe), want)).toBeLessThan(1e-12);
      }
    }
  });

  test('BatchNorm2d: alternating sizes and a graph kept across calls give the composed results', () => {
    const g = new Generator(17);
    const made = [new BatchNorm2d(3, f64), new BatchNorm2d(4, f64)];
    const kept: { x: T; y: T; G: T; bn: BatchNorm2d }[] = [];
    for (let step = 0; step < 2; step++) {
      for (const bn of made) {
        const x = leaf(g.randn([2, bn.numFeatures, 3, 3], f64).add(4));
        kept.push({ x, y: bn.forward(x), G: g.randn([2, bn.numFeatures, 3, 3], f64), bn });
      }
    }
    kept.map((k) => k.y.mul(k.G).sum()).reduce((s, t) => s.add(t)).backward();
    for (const k of kept) {
      const xl = leaf(k.x.detach());
      batchNorm2dComposed(xl, k.bn.weight!.detach(), k.bn.bias!.detach()).backward(k.G);
      expect(relError(k.x.grad!, xl.grad!)).toBeLessThan(1e-9);
    }
    const x = g.randn([2, 3, 3, 3], f64);
    expect(relError(batchNorm2dFused(x), batchNorm2dComposed(x))).toBeLessThan(1e-12);
  });

  test('states made under one kernel set serve calls under the other', () => {
    const before = getKernels().name;
    const g = new Generator(18);
    const c = 29;
    try {
      for (const name of ['js', before, 'js', before] as const) {
        setKernels(name);
        const d = data(g, 7, c);
        expectSame(grads(batchNormFused, d.x, d.w, d.b, d.G), grads(batchNormComposed, d.x, d.w, d.b, d.G));
      }
    } finally {
      setKernels(before);
    }
    expect(batchNormCallCount(c)).toBe(1);
  });

  test('a call that records nothing does not keep its input in the state it gives back', () => {
    const g = new Generator(19);
    const c = 37;
    const d = data(g, 5, c);
    noGrad(() => batchNormFused(leaf(d.x), d.w, d.b));
    batchNormFused(d.x, d.w, d.b); // (no input requires grad)
    const state = takeBatchNormCall(c, true, 1e-5, true, true); // the free one those calls took and gave back
    expect(batchNormCallCount(c)).toBe(1);
    expect(state.saved).toBe(null);
    state.settle(null);
  });
});
