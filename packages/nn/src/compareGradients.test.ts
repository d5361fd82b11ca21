import { describe, expect, test } from 'vitest';
import { Generator, Tensor, createNdArray, defineOp, manualSeed, randn, tensor, type NdArray } from '@tapegrad/core';
import {
  AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Flatten, GroupNorm, LayerNorm, Linear, MaxPool2d, Module, RMSNorm, ReLU, Sequential,
  batchNormComposed, batchNormFused, compareGradients, layerNormComposed, layerNormFused,
} from '@tapegrad/nn';

const f64 = { dtype: 'float64' } as const;
const quick = { repeats: 3, warmup: 1 };

class Net extends Module {
  bn = new BatchNorm1d(6, { dtype: 'float64' });
  ln = new LayerNorm(6, { dtype: 'float64', backward: 'tape' });
  forward(x: Tensor): Tensor {
    return this.ln.forward(this.bn.forward(x)).relu();
  }
}

/** x·1 with a backward that records the upstream gradient it receives (and optionally gets it wrong). */
function spy(seen: Float64Array[], factor = 1) {
  return defineOp({
    name: 'spy',
    forward(ctx, x) {
      ctx.save(x);
      const y = createNdArray('float64', x.shape);
      (y.data as Float64Array).set(x.data.subarray(x.offset, x.offset + x.size));
      return y;
    },
    backward(_, dy): NdArray[] {
      seen.push(Float64Array.from(dy.data.subarray(dy.offset, dy.offset + dy.size)));
      const dx = createNdArray('float64', dy.shape);
      for (let i = 0; i < dy.size; i++) dx.data[i] = factor * dy.data[dy.offset + i]!;
      return [dx];
    },
  });
}

describe('compareGradients', () => {
  test('on BatchNorm1d: the output, the input and both parameters agree; the fused path is timed against the tape', () => {
    const bn = new BatchNorm1d(50, { dtype: 'float64' });
    const x = new Generator(1).randn([40, 50], f64).mul(5).add(12);
    const report = compareGradients(bn, [x], quick);
    expect(report.grads.map((g) => g.name)).toEqual(['input 0', 'weight', 'bias']);
    for (const g of report.grads) expect(g.relError, g.name).toBeLessThan(1e-10);
    expect(report.output.maxAbsDiff).toBeLessThan(1e-12);
    expect(report.maxRelError).toBeLessThan(1e-10);
    const t = report.timings;
    expect(t.tapeMs).toBeGreaterThan(0);
    expect(t.fusedMs).toBeGreaterThan(0);
    expect(t.speedup).toBeCloseTo(t.tapeMs / t.fusedMs, 12);
    expect([t.repeats, t.warmup]).toEqual([3, 1]);
  });

  test('leaves no trace: running statistics, numBatchesTracked, backward modes, parameter grads and the inputs are as before', () => {
    const net = new Net();
    const sentinel = tensor([1, 2, 3, 4, 5, 6], f64);
    net.bn.weight!.grad = sentinel;
    const before = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.toArray()]));
    const x = new Generator(2).randn([8, 6], f64);
    const report = compareGradients(net, [x], quick);
    expect(report.grads.map((g) => g.name)).toEqual(['input 0', 'bn.weight', 'bn.bias', 'ln.weight', 'ln.bias']);
    for (const g of report.grads) expect(g.relError, g.name).toBeLessThan(1e-10);
    expect(Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.toArray()]))).toEqual(before);
    expect(net.bn.numBatchesTracked!.item()).toBe(0);
    expect([net.bn.backward, net.ln.backward]).toEqual(['fused', 'tape']);
    expect(net.bn.weight!.grad).toBe(sentinel);
    expect(net.ln.weight!.grad).toBeNull();
    expect(x.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();
  });

  test('both paths get the same seeded standard-normal upstream gradient, never all ones', () => {
    const seen: Float64Array[] = [];
    const op = spy(seen);
    const x = randn([3, 4], f64);
    compareGradients({ fused: (t) => op(t!), tape: (t) => op(t!) }, [x], { repeats: 1, warmup: 0, seed: 7 });
    const expected = new Generator(7).randn([3, 4], f64).toFloat64Array();
    expect(seen.length).toBe(4); // tape, fused, then one timed run of each
    for (const dy of seen) expect(Array.from(dy)).toEqual(Array.from(expected));
    expect(expected.some((v) => v !== 1)).toBe(true);
  });

  test('a wrong handwritten backward shows up as a large relative error', () => {
    const seen: Float64Array[] = [];
    const wrong = spy(seen, 1.001);
    const x = randn([5, 2], f64);
    const report = compareGradients({ fused: (t) => wrong(t!), tape: (t) => t!.mul(1) }, [x], quick);
    expect(report.output.maxAbsDiff).toBe(0);
    expect(report.grads[0]!.relError).toBeCloseTo(0.001 / 2.001, 8);
  });

  test('a { fused, tape } pair of functional forms compares every input', () => {
    const g = new Generator(3);
    const inputs = [g.randn([30, 4], f64).mul(3).add(1), g.randn([4], f64), g.randn([4], f64)];
    const bnReport = compareGradients(
      { fused: (x, w, b) => batchNormFused(x!, w!, b!), tape: (x, w, b) => batchNormComposed(x!, w!, b!) }, inputs, quick);
    expect(bnReport.grads.map((r) => r.name)).toEqual(['input 0', 'input 1', 'input 2']);
    expect(bnReport.maxRelError).toBeLessThan(1e-10);
    const lnReport = compareGradients(
      { fused: (x, w, b) => layerNormFused(x!, 4, w!, b!), tape: (x, w, b) => layerNormComposed(x!, 4, w!, b!) }, inputs, quick);
    expect(lnReport.maxRelError).toBeLessThan(1e-10);
  });

  test('a plain function needs the modules it uses; integer inputs get no row', () => {
    const bn = new BatchNorm1d(3, { dtype: 'float64' });
    const fn = (x: Tensor) => bn.forward(x).mul(2);
    const x = randn([6, 3], f64);
    expect(() => compareGradients(fn, [x])).toThrow(/pass \{ fused, tape \} or the modules it uses in opts.modules/);
    const labels = tensor([0, 1], { dtype: 'int32' });
    const report = compareGradients((t, _labels) => fn(t!), [x, labels], { ...quick, modules: [bn] });
    expect(report.grads.map((r) => r.name)).toEqual(['input 0', 'weight', 'bias']);
    expect(report.maxRelError).toBeLessThan(1e-10);
  });

  test('every forward draws the same random numbers, and the global stream is left where it was', () => {
    manualSeed(5);
    const noisy = (x: Tensor) => x.mul(randn(x.shape, f64));
    const report = compareGradients({ fused: (x) => noisy(x!), tape: (x) => noisy(x!) }, [randn([4, 4], f64)], quick);
    expect(report.output.maxAbsDiff).toBe(0);
    const next = randn([2], f64).toArray();
    manualSeed(5);
    randn([4, 4], f64);
    expect(next).toEqual(randn([2], f64).toArray());
  });

  test('a module with nothing to switch is refused', () => {
    class Plain extends Module {
      forward(x: Tensor): Tensor {
        return x.mul(2);
      }
    }
    expect(() => compareGradients(new Plain(), [randn([2], f64)])).toThrow(/no submodule has a backward mode/);
    expect(() => compareGradients(new BatchNorm1d(2), [randn([3, 2])], { repeats: 0 })).toThrow(/repeats must be a positive integer/);
  });

  test('toString prints one row per compared tensor and the timings', () => {
    const report = compareGradients(new BatchNorm1d(4, { dtype: 'float64' }), [randn([5, 4], f64)], quick);
    const text = report.toString();
    expect(text).toBe(report.format());
    for (const row of ['output', 'd(input 0)', 'd(weight)', 'd(bias)', 'speedup', 'tape', 'fused']) expect(text).toContain(row);
    expect(text.split('\n')).toHaveLength(7);
  });
});

describe('compareGradients on convolutional models', () => {
  test('a whole model of Conv2d, BatchNorm2d, GroupNorm, RMSNorm, pools and Linear: every layer switched, outputs, gradients and buffers agree', () => {
    manualSeed(61);
    const model = new Sequential(
      new Conv2d(3, 4, 3, { padding: 'same', dtype: 'float64' }), new BatchNorm2d(4, { dtype: 'float64' }), new ReLU(),
      new MaxPool2d(2),
      new Conv2d(4, 6, 3, { padding: 1, groups: 2, dtype: 'float64' }), new GroupNorm(3, 6, { dtype: 'float64' }), new ReLU(),
      new AvgPool2d(2),
      new Flatten(), new RMSNorm(24, { dtype: 'float64' }), new Linear(24, 5, { dtype: 'float64' }),
    );
    const x = randn([4, 3, 8, 8], f64);
    const stateBefore = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.toArray()]));
    const switched: string[][] = [];
    const spyOn = model.modules().filter((m): m is Module & { backward: 'fused' | 'tape' } => 'backward' in m);
    const original = model.forward.bind(model);
    model.forward = (t: Tensor) => {
      switched.push(spyOn.map((m) => m.backward));
      return original(t);
    };
    const report = compareGradients(model, [x], quick);
    expect(spyOn.map((m) => m.constructor.name)).toEqual(['Conv2d', 'BatchNorm2d', 'ReLU', 'Conv2d', 'GroupNorm', 'ReLU', 'RMSNorm', 'Linear']);
    expect(new Set(switched.map((modes) => modes.join()))).toEqual(new Set([Array(8).fill('tape').join(), Array(8).fill('fused').join()]));
    expect(report.grads.map((g) => g.name)).toEqual([
      'input 0', '0.weight', '0.bias', '1.weight', '1.bias', '4.weight', '4.bias', '5.weight', '5.bias', '9.weight', '10.weight', '10.bias',
    ]);
    expect(report.output.maxAbsDiff).toBeLessThan(1e-12);
    // the conv biases before BatchNorm2d have a gradient that is 0 up to rounding: compare those absolutely
    for (const g of report.grads) {
      if (g.name === '0.bias') expect(g.maxAbsDiff).toBeLessThan(1e-12);
      else expect(g.relError, g.name).toBeLessThan(1e-9);
    }
    const stateAfter = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.toArray()]));
    expect(stateAfter).toEqual(stateBefore);
  });
});
