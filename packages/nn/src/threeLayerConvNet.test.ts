import { describe, expect, test } from 'vitest';
import { DtypeError, ShapeError, gradcheck, manualSeed, numericalGradient, randint, randn, relError, tensor, type Tensor } from '@tapegrad/core';
import { ThreeLayerConvNet, compareGradients, setBackwardMode, type BackwardMode } from '@tapegrad/nn';
import { loadReference } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const f64 = { dtype: 'float64' } as const;
const modes: BackwardMode[] = ['fused', 'tape'];

interface ConvNetConfig {
  np_seed: number; N: number; input_dim: [number, number, number]; num_filters: number; filter_size: number;
  hidden_dim: number; num_classes: number; weight_scale: number; reg: number; data_loss: number;
}
const cases = loadReference<ConvNetConfig>('conv.json').filter((c) => c.kind === 'cs231n.three_layer_convnet');
const load = (a: { shape: number[]; data: number[] }): Tensor => tensor(a.data, { ...f64, shape: a.shape });

describe("ThreeLayerConvNet matches cs231n's numpy model (conv.json three_layer_convnet)", () => {
  test('there are two cases, reg 0 and 0.7', () => expect(cases.map((c) => c.config.reg)).toEqual([0, 0.7]));

  for (const backward of modes) {
    test.each(cases.map((c) => [c.name, c] as const))(`%s (${backward})`, (_name, c) => {
      const cfg = c.config;
      const model = new ThreeLayerConvNet({
        inputDim: cfg.input_dim, numFilters: cfg.num_filters, filterSize: cfg.filter_size, hiddenDim: cfg.hidden_dim,
        numClasses: cfg.num_classes, weightScale: cfg.weight_scale, reg: cfg.reg, dtype: 'float64', backward,
      });
      const names = ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'];
      expect(Object.keys(model.params)).toEqual(names);
      model.loadStateDict(Object.fromEntries(names.map((n) => [n, load(c.inputs[n]!)])));
      const X = load(c.inputs.X!);
      const tol = toleranceFor('float64', 'reduction');
      const { loss, grads } = model.loss(X, c.inputs.y!.data);
      expect([loss], 'loss').toBeAllclose(c.outputs.loss!.data, tol);
      for (const n of names) expect(grads[n]!, `d${n}`).toBeAllclose(c.outputs[`d${n}`]!, tol);
      expect(model.loss(X), 'scores').toBeAllclose(c.outputs.scores!, tol);
    });
  }

  test("construction draws W1, W2, W3 = weightScale·randn in cs231n's order from the global stream (the case's X and y first)", () => {
    const c = cases[0]!;
    const cfg = c.config;
    manualSeed(cfg.np_seed);
    const X = randn([cfg.N, ...cfg.input_dim], f64);
    const y = randint(0, cfg.num_classes, [cfg.N]);
    const model = new ThreeLayerConvNet({
      inputDim: cfg.input_dim, numFilters: cfg.num_filters, filterSize: cfg.filter_size, hiddenDim: cfg.hidden_dim,
      numClasses: cfg.num_classes, weightScale: cfg.weight_scale, dtype: 'float64',
    });
    expect(X, 'X').toBeAllclose(c.inputs.X!, toleranceFor('float64', 'elementwise'));
    expect([...y.toFloat64Array()]).toEqual(c.inputs.y!.data);
    for (const n of ['W1', 'W2', 'W3']) expect(model.params[n]!, n).toBeAllclose(c.inputs[n]!, toleranceFor('float64', 'elementwise'));
    for (const n of ['b1', 'b2', 'b3']) expect(model.params[n]!.toFloat64Array().every((v) => v === 0), n).toBe(true);
  });
});

describe('ThreeLayerConvNet gradients', () => {
  test.each(modes)('the loss gradient of every parameter matches float64 finite differences (%s, reg 0.3)', (backward) => {
    manualSeed(3);
    const model = new ThreeLayerConvNet({ inputDim: [2, 6, 6], numFilters: 3, filterSize: 3, hiddenDim: 5, numClasses: 4, weightScale: 0.3, reg: 0.3, dtype: 'float64', backward });
    const X = randn([3, 2, 6, 6], f64);
    const y = [0, 3, 1];
    const { grads } = model.loss(X, y);
    for (const [name, p] of Object.entries(model.params)) {
      const numeric = numericalGradient(() => model.loss(X, y).loss, p, { h: 1e-6 });
      expect(relError(numeric, grads[name]!), name).toBeLessThan(1e-7);
    }
  });

  test('gradcheck passes through forward, input and parameters (float64, filter 5, odd sizes)', () => {
    manualSeed(4);
    const model = new ThreeLayerConvNet({ inputDim: [3, 5, 7], numFilters: 2, filterSize: 5, hiddenDim: 4, numClasses: 3, weightScale: 0.5, dtype: 'float64' });
    const report = gradcheck((x, ...ps) => {
      const names = Object.keys(model.params);
      const saved = names.map((n) => model.params[n]!);
      Object.assign(model, Object.fromEntries(names.map((n, i) => [n, ps[i]])));
      try {
        return model.forward(x!);
      } finally {
        Object.assign(model, Object.fromEntries(names.map((n, i) => [n, saved[i]])));
      }
    }, [randn([2, 3, 5, 7], { ...f64, requiresGrad: true }), ...Object.values(model.params)]);
    expect(report.ok, JSON.stringify(report.inputs)).toBe(true);
    expect(report.inputs).toHaveLength(7);
  });

  test('the fused and tape paths agree on the whole model (compareGradients), and setBackwardMode reaches it', () => {
    manualSeed(5);
    const model = new ThreeLayerConvNet({ inputDim: [3, 8, 8], numFilters: 4, filterSize: 3, hiddenDim: 6, numClasses: 5, weightScale: 0.2, dtype: 'float64' });
    const report = compareGradients(model, [randn([3, 3, 8, 8], f64)], { repeats: 2, warmup: 1 });
    expect(report.grads.map((g) => g.name)).toEqual(['input 0', 'W1', 'b1', 'W2', 'b2', 'W3', 'b3']);
    expect(report.output.maxAbsDiff).toBeLessThan(1e-12);
    for (const g of report.grads) expect(g.relError, g.name).toBeLessThan(1e-10);
    expect(setBackwardMode(model, 'tape').backward).toBe('tape');
    expect(String(model.forward(randn([1, 3, 8, 8], { ...f64, requiresGrad: true })).gradFn)).toBe('<AddBackward>');
  });
});

describe('ThreeLayerConvNet as a Module', () => {
  test("cs231n's names in the state dict, the defaults' shapes, and its description", () => {
    const model = new ThreeLayerConvNet();
    expect(Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape]))).toEqual({
      W1: [32, 3, 7, 7], b1: [32], W2: [32 * 16 * 16, 100], b2: [100], W3: [100, 10], b3: [10],
    });
    expect(model.dtype).toBe('float32');
    expect(String(model)).toBe('ThreeLayerConvNet(inputDim=[3, 32, 32], numFilters=32, filterSize=7, hiddenDim=100, numClasses=10, reg=0)');
  });

  test('an even filter size keeps the size (PyTorch\'s asymmetric \'same\'), and odd input sizes floor in the pool', () => {
    const model = new ThreeLayerConvNet({ inputDim: [1, 7, 5], numFilters: 2, filterSize: 4, hiddenDim: 3, numClasses: 2 });
    expect(model.params.W2!.shape).toEqual([2 * 3 * 2, 3]);
    expect(model.loss(randn([2, 1, 7, 5])).shape).toEqual([2, 2]);
  });

  test('loss(X) gives test-mode scores without a graph and restores the mode; float64 data goes into a float32 model', () => {
    manualSeed(6);
    const model = new ThreeLayerConvNet({ inputDim: [3, 6, 6], numFilters: 2, filterSize: 3, hiddenDim: 4, numClasses: 3, weightScale: 0.1 });
    const X64 = randn([2, 3, 6, 6], f64);
    const scores = model.loss(X64);
    expect([scores.shape, scores.dtype, scores.requiresGrad, model.training]).toEqual([[2, 3], 'float32', false, true]);
    expect(model.loss(X64, [0, 2]).loss).toBe(model.loss(X64.to('float32'), [0, 2]).loss);
  });

  test('releaseGrads unsets the gradients it is given back, and a later step gives the same numbers', () => {
    manualSeed(7);
    const model = new ThreeLayerConvNet({ inputDim: [3, 6, 6], numFilters: 2, filterSize: 3, hiddenDim: 4, numClasses: 3, weightScale: 0.1, dtype: 'float64' });
    const X = randn([4, 3, 6, 6], f64);
    const first = model.loss(X, [0, 1, 2, 0]);
    const values = Object.fromEntries(Object.entries(first.grads).map(([n, g]) => [n, g.toArray()]));
    model.releaseGrads(first.grads);
    expect(model.params.W1!.grad).toBeNull();
    const second = model.loss(X, [0, 1, 2, 0]);
    expect(Object.fromEntries(Object.entries(second.grads).map(([n, g]) => [n, g.toArray()]))).toEqual(values);
  });

  test('bad input and bad options are named errors', () => {
    const model = new ThreeLayerConvNet({ inputDim: [3, 8, 8], numFilters: 2, filterSize: 3, hiddenDim: 4 });
    expect(() => model.forward(randn([2, 3, 8, 9]))).toThrow(new ShapeError('ThreeLayerConvNet: expected input [N, 3, 8, 8] (got [2, 3, 8, 9])'));
    expect(() => model.forward(randn([2, 3, 8, 8], f64))).toThrow(DtypeError);
    expect(() => new ThreeLayerConvNet({ numFilters: 0 })).toThrow(new ShapeError('ThreeLayerConvNet: numFilters must be a positive integer (got 0)'));
    expect(() => new ThreeLayerConvNet({ inputDim: [3, 1, 8] })).toThrow(/at least 2×2/);
    expect(() => new ThreeLayerConvNet({ reg: -1 })).toThrow(new RangeError('ThreeLayerConvNet: reg must be a finite number >= 0 (got -1)'));
    expect(() => new ThreeLayerConvNet({ weightScale: NaN })).toThrow(RangeError);
  });
});
