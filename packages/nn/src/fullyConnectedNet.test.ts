import { describe, expect, test } from 'vitest';
import { ShapeError, manualSeed, numericalGradient, randint, randn, relError, tensor } from '@tapegrad/core';
import { FullyConnectedNet, compareGradients, type BackwardMode } from '@tapegrad/nn';
import { loadReference } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const f64 = { dtype: 'float64' as const };
const modes: BackwardMode[] = ['fused', 'tape'];

describe('FullyConnectedNet reproduces the notebook\'s gradient-check cell', () => {
  test.each(modes)('initial losses 2.2611955101340957 and 6.996533220108303, and gradients in the notebook\'s ranges (%s)', (backward) => {
    manualSeed(231);
    const X = randn([2, 15], f64);
    const y = randint(0, 10, [2]);
    const expected = { 0: 2.2611955101340957, 3.14: 6.996533220108303 };
    for (const reg of [0, 3.14] as const) {
      const model = new FullyConnectedNet([20, 30], { inputDim: 15, numClasses: 10, reg, weightScale: 5e-2, dtype: 'float64', normalization: 'batchnorm', backward });
      const { loss, grads } = model.loss(X, y);
      expect(Math.abs(loss - expected[reg]) / expected[reg]).toBeLessThanOrEqual(1e-12);
      expect(Object.keys(grads).sort()).toEqual(['W1', 'W2', 'W3', 'b1', 'b2', 'b3', 'beta1', 'beta2', 'gamma1', 'gamma2']);
      for (const [name, param] of Object.entries(model.params)) {
        const numeric = numericalGradient(() => model.loss(X, y).loss, param, { h: 1e-5 });
        if (name === 'b1' || name === 'b2') {
          // batchnorm subtracts the batch mean right after these biases: their gradient is exactly 0,
          // so both sides are rounding noise (the notebook's 1e-8..1e-10 "errors" compare noise too)
          expect(Math.max(...numeric.toFloat64Array().map(Math.abs)), `${name} numeric`).toBeLessThan(1e-8);
          expect(Math.max(...grads[name]!.toFloat64Array().map(Math.abs)), `${name} analytic`).toBeLessThan(1e-12);
          continue;
        }
        // the notebook printed errors from 4e-10 to 1.1e-4 (W1 at reg 0: with batchnorm over N = 2 the
        // loss is nearly flat in W1, so its relative error is large while the absolute one is tiny)
        expect(relError(numeric, grads[name]!), `${name} at reg ${reg}`).toBeLessThan(name === 'W1' || name === 'W2' ? 1e-3 : 1e-7);
      }
    }
  });
});

describe('FullyConnectedNet matches cs231n\'s numpy model (cs231n.json fc_net_loss)', () => {
  const cases = loadReference<{ hidden_dims: number[]; D: number; C: number; reg: number; weight_scale: number; normalization: 'batchnorm' | 'layernorm' | null }>('cs231n.json')
    .filter((c) => c.kind === 'cs231n.fc_net_loss');
  test('there are four cases', () => expect(cases).toHaveLength(4));
  for (const backward of modes) {
    test.each(cases.map((c) => [c.name, c] as const))(`%s (${backward})`, (_name, c) => {
      const { hidden_dims, D, C, reg, weight_scale, normalization } = c.config;
      const model = new FullyConnectedNet(hidden_dims, { inputDim: D, numClasses: C, reg, weightScale: weight_scale, normalization, dtype: 'float64', backward });
      const sd: Record<string, ReturnType<typeof tensor>> = {};
      for (const name of Object.keys(model.params)) sd[name] = tensor(c.inputs[name]!.data, { ...f64, shape: c.inputs[name]!.shape });
      model.loadStateDict(sd, { strict: false });
      const X = tensor(c.inputs.X!.data, { ...f64, shape: c.inputs.X!.shape });
      const y = c.inputs.y!.data;
      const tol = toleranceFor('float64', 'reduction');
      const { loss, grads } = model.loss(X, y);
      expect([loss], 'loss').toBeAllclose(c.outputs.loss!.data, tol);
      model.train();
      expect(model.forward(X), 'scores').toBeAllclose(c.outputs.scores!, tol);
      for (const name of Object.keys(model.params)) expect(grads[name]!, `d${name}`).toBeAllclose(c.outputs[`d${name}`]!, tol);
    });
  }
});

describe('FullyConnectedNet as a Module', () => {
  test('cs231n names, [in, out] layout, buffers for batchnorm\'s running stats', () => {
    const model = new FullyConnectedNet([5, 4], { inputDim: 6, numClasses: 3, normalization: 'batchnorm' });
    expect(Object.keys(model.stateDict())).toEqual([
      'W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'gamma2', 'beta2', 'W3', 'b3',
      'running_mean1', 'running_var1', 'running_mean2', 'running_var2',
    ]);
    expect(model.params.W1!.shape).toEqual([6, 5]);
    expect(model.params.W3!.shape).toEqual([4, 3]);
  });

  test('construction draws exactly the weights from the global stream, in order', () => {
    manualSeed(0);
    const model = new FullyConnectedNet([3], { inputDim: 2, numClasses: 2, weightScale: 1, dtype: 'float64' });
    manualSeed(0);
    const W1 = randn([2, 3], f64);
    const W2 = randn([3, 2], f64);
    expect(model.params.W1!.toArray()).toEqual(W1.toArray());
    expect(model.params.W2!.toArray()).toEqual(W2.toArray());
  });

  test('loss(X) gives test-mode scores and leaves the running statistics alone', () => {
    manualSeed(1);
    const model = new FullyConnectedNet([4], { inputDim: 3, numClasses: 2, normalization: 'batchnorm', dtype: 'float64' });
    const X = randn([5, 3], f64);
    const before = model.stateDict().running_mean1!.toArray();
    const scores = model.loss(X);
    expect(scores.shape).toEqual([5, 2]);
    expect(scores.requiresGrad).toBe(false);
    expect(model.stateDict().running_mean1!.toArray()).toEqual(before);
    model.loss(X, [0, 1, 0, 1, 1]);
    expect(model.stateDict().running_mean1!.toArray()).not.toEqual(before);
  });

  test('dropout with a seed reseeds before every mask, so two calls agree', () => {
    manualSeed(3);
    const model = new FullyConnectedNet([8], { inputDim: 4, numClasses: 3, dropoutKeepRatio: 0.5, seed: 123, dtype: 'float64' });
    const X = randn([6, 4], f64);
    expect(model.loss(X, [0, 1, 2, 0, 1, 2]).loss).toBe(model.loss(X, [0, 1, 2, 0, 1, 2]).loss);
  });

  test('the fused and tape paths agree on the whole model (compareGradients)', () => {
    manualSeed(5);
    const model = new FullyConnectedNet([7, 6], { inputDim: 5, numClasses: 4, normalization: 'layernorm', dtype: 'float64' });
    const report = compareGradients(model, [randn([3, 5], f64)], { repeats: 2, warmup: 1 });
    expect(report.output.maxAbsDiff).toBeLessThan(1e-12);
    for (const g of report.grads) expect(g.maxAbsDiff, g.name).toBeLessThan(1e-12);
  });

  test.each(modes)('loss reuses its temporaries\' arrays, never what outlives a call: grads, scores, parameters, running statistics (%s)', (backward) => {
    manualSeed(5);
    const model = new FullyConnectedNet([7, 6], { inputDim: 4, numClasses: 3, reg: 0.1, dtype: 'float64', normalization: 'batchnorm', backward });
    const [X1, X2] = [randn([5, 4], f64), randn([5, 4], f64)];
    const [y1, y2] = [randint(0, 3, [5]), randint(0, 3, [5])];
    const snapshot = () => Object.fromEntries([...model.namedParameters(), ...model.namedBuffers()].map(([n, t]) => [n, t.toArray()]));
    const first = model.loss(X1, y1);
    const firstGrads = Object.fromEntries(Object.entries(first.grads).map(([n, g]) => [n, g.toArray()]));
    const scores = model.loss(X2);
    const scoreValues = scores.toArray();
    const state = snapshot();
    // a second step, and more scores, on other data: each reuses the arrays the calls before gave back
    model.loss(X2, y2);
    model.loss(X1);
    for (const [n, g] of Object.entries(first.grads)) expect(g.toArray(), n).toEqual(firstGrads[n]);
    expect(scores.toArray()).toEqual(scoreValues);
    // the parameters are untouched by loss (no optimizer ran)
    const after = snapshot();
    for (const [n] of model.namedParameters()) expect(after[n], n).toEqual(state[n]);
    // the running statistics (updated in place, made outside any loss call) never reach the pool:
    // scores calls, which leave them alone and reuse arrays of their length, do not change them
    for (let i = 0; i < 3; i++) model.loss(i % 2 === 0 ? X1 : X2);
    const later = snapshot();
    for (const [n] of model.namedBuffers()) expect(later[n], n).toEqual(after[n]);
    // a twin model, whose first step runs on arrays given back by the calls above, gives bit-identical gradients
    manualSeed(5);
    const twin = new FullyConnectedNet([7, 6], { inputDim: 4, numClasses: 3, reg: 0.1, dtype: 'float64', normalization: 'batchnorm', backward });
    expect(Object.fromEntries(Object.entries(twin.loss(X1, y1).grads).map(([n, g]) => [n, g.toArray()]))).toEqual(firstGrads);
  });

  test('releaseGrads refuses what is not a grads object, and leaves other tensors alone', () => {
    const model = new FullyConnectedNet([4], { inputDim: 3, numClasses: 2, dtype: 'float64' });
    expect(() => model.releaseGrads(null as unknown as Record<string, never>)).toThrow(new TypeError('FullyConnectedNet.releaseGrads: grads must be the object loss(X, y) returned (got null)'));
    const { grads } = model.loss(randn([5, 3], f64), randint(0, 2, [5]));
    const stranger = tensor([1, 2], f64);
    model.releaseGrads({ W1: stranger, b1: grads.b1! }); // W1 is not the parameter's .grad: left alone
    expect(model.params.W1!.grad).toBe(grads.W1);
    expect(model.params.b1!.grad).toBeNull();
    expect(stranger.toArray()).toEqual([1, 2]);
  });

  test('every loss call returns a new grads object, keyed by the parameter names in their order, whatever the model', () => {
    manualSeed(3);
    const deep = new FullyConnectedNet([5, 4, 3], { inputDim: 3, numClasses: 2, dtype: 'float64', normalization: 'batchnorm' });
    const shallow = new FullyConnectedNet([4], { inputDim: 3, numClasses: 2, dtype: 'float64' });
    const X = randn([6, 3], f64), y = randint(0, 2, [6]);
    const seen: object[] = [];
    for (let k = 0; k < 3; k++) {
      for (const model of [deep, shallow]) {
        const { grads } = model.loss(X, y);
        expect(Object.keys(grads)).toEqual(model.namedParameters().map(([name]) => name));
        for (const [name, p] of model.namedParameters()) expect(grads[name], name).toBe(p.grad);
        expect(seen).not.toContain(grads);
        seen.push(grads);
      }
    }
    // an earlier object is not refilled by later calls: its gradients are the ones that step made
    const first = seen[0] as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(deep.namedParameters().map(([name]) => name));
    expect(first.W1).not.toBe(deep.params.W1!.grad);
  });

  test('releaseGrads of some gradients, then of all of them, releases each once', () => {
    const model = new FullyConnectedNet([4, 3], { inputDim: 3, numClasses: 2, dtype: 'float64' });
    const X = randn([5, 3], f64), y = randint(0, 2, [5]);
    const a = model.loss(X, y).grads;
    model.releaseGrads({ b1: a.b1!, W2: a.W2! });
    expect(model.namedParameters().filter(([, p]) => p.grad !== null).map(([n]) => n)).toEqual(['W1', 'b2', 'W3', 'b3']);
    model.releaseGrads(a);
    expect(model.namedParameters().filter(([, p]) => p.grad !== null)).toEqual([]);
    const b = model.loss(X, y).grads;
    const W1 = b.W1!.toArray();
    model.releaseGrads(b);
    expect(model.namedParameters().filter(([, p]) => p.grad !== null)).toEqual([]);
    // the next step's gradients are those of the same data again
    expect(model.loss(X, y).grads.W1!.toArray()).toEqual(W1);
  });

  test('bad input is a named error', () => {
    const model = new FullyConnectedNet([4], { inputDim: 3, numClasses: 2 });
    expect(() => model.forward(randn([2, 4]))).toThrow(ShapeError);
    expect(() => model.loss(randn([2, 3]), [0, 5])).toThrow(/class index in \[0, 2\)/);
    expect(() => new FullyConnectedNet([0])).toThrow(ShapeError);
    expect(() => new FullyConnectedNet([4], { dropoutKeepRatio: 0 })).toThrow(RangeError);
  });
});

describe('FullyConnectedNet.loss converts X to the model\'s dtype, as cs231n\'s X.astype(self.dtype)', () => {
  test('float64 data into a float32 model gives the loss of the float32-rounded data', () => {
    manualSeed(7);
    const model = new FullyConnectedNet([6], { inputDim: 4, numClasses: 3, dtype: 'float32' });
    const X64 = randn([5, 4], f64);
    const y = [0, 1, 2, 1, 0];
    expect(model.loss(X64, y).loss).toBe(model.loss(X64.to('float32'), y).loss);
    expect(model.loss(X64).dtype).toBe('float32');
  });
});

describe('FullyConnectedNet.loss reads each call\'s own X and y', () => {
  test.each(modes)('calls on two batches in turn give each batch\'s loss and scores (%s)', (backward) => {
    manualSeed(11);
    const model = new FullyConnectedNet([6], { inputDim: 4, numClasses: 3, dtype: 'float64', backward });
    const X1 = randn([5, 4], f64), X2 = randn([3, 4], f64);
    const y1 = [0, 1, 2, 1, 0], y2 = [2, 2, 1];
    const first = model.loss(X1, y1).loss, second = model.loss(X2, y2).loss;
    expect(second).not.toBe(first);
    expect(model.loss(X1, y1).loss).toBe(first);
    expect(model.loss(X2, y2).loss).toBe(second);
    expect(model.loss(X2).shape).toEqual([3, 3]);
    expect(model.loss(X1).shape).toEqual([5, 3]);
  });
});
