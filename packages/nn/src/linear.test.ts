import { describe, expect, test } from 'vitest';
import { DtypeError, Generator, ShapeError, gradcheck, manualSeed, relError, tensor, uniform, type FloatDType, type Tensor } from '@tapegrad/core';
import { Linear, setBackwardMode, type BackwardMode } from '@tapegrad/nn';
import { loadReference, type ReferenceArray } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const modes: BackwardMode[] = ['fused', 'tape'];
const load = (a: ReferenceArray, dtype: FloatDType, requiresGrad = false): Tensor =>
  tensor(Float64Array.from(a.data), { dtype, shape: a.shape, requiresGrad });

describe('Linear against PyTorch (nn.json)', () => {
  const cases = loadReference<{ in_features: number; out_features: number }>('nn.json').filter((c) => c.kind === 'nn.Linear');
  test('the reference file has float64 and float32 Linear cases', () => {
    expect(cases.map((c) => c.dtype).sort()).toEqual(['float32', 'float64']);
  });
  for (const c of cases) {
    for (const backward of modes) {
      test(`${c.name} matches out, dx, dweight and dbias (backward '${backward}')`, () => {
        const dtype = c.dtype as FloatDType;
        const fc = new Linear(c.config.in_features, c.config.out_features, { dtype, backward });
        fc.loadStateDict({ weight: load(c.inputs.weight!, dtype), bias: load(c.inputs.bias!, dtype) });
        const x = load(c.inputs.x!, dtype, true);
        const out = fc.forward(x);
        expect(out.gradFn?.name).toBe(backward === 'fused' ? 'linearFused' : 'add');
        out.backward(load(c.inputs.G!, dtype));
        const tol = toleranceFor(dtype, 'reduction');
        expect(out.dtype).toBe(dtype);
        expect(out, 'out').toBeAllclose(c.outputs.out!, tol);
        expect(x.grad!, 'dx').toBeAllclose(c.outputs.dx!, tol);
        expect(fc.weight.grad!, 'dweight').toBeAllclose(c.outputs.dweight!, tol);
        expect(fc.bias!.grad!, 'dbias').toBeAllclose(c.outputs.dbias!, tol);
      });
    }
  }
});

describe('Linear', () => {
  for (const backward of modes) {
    test(`gradcheck passes through the module's forward (backward '${backward}')`, () => {
      const fc = new Linear(3, 2, { dtype: 'float64', backward, generator: new Generator(9) });
      const x = new Generator(4).randn([4, 3], { dtype: 'float64', requiresGrad: true });
      const report = gradcheck((t) => fc.forward(t), [x]);
      expect(report.ok, JSON.stringify(report.inputs)).toBe(true);
    });
  }

  test('weight is [out, in] and the state dict holds weight then bias', () => {
    const fc = new Linear(5, 4);
    expect(fc.weight.shape).toEqual([4, 5]);
    expect(fc.bias!.shape).toEqual([4]);
    expect(Object.keys(fc.stateDict())).toEqual(['weight', 'bias']);
    expect(fc.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(fc.weight.dtype).toBe('float32');
  });

  test('bias false leaves bias null and out of the state dict, and forward still works', () => {
    const fc = new Linear(3, 2, { bias: false, dtype: 'float64' });
    expect(fc.bias).toBeNull();
    expect(Object.keys(fc.stateDict())).toEqual(['weight']);
    for (const backward of modes) {
      fc.backward = backward;
      const x = tensor([[1, 2, 3]], { dtype: 'float64' });
      expect(relError(fc.forward(x), x.matmul(fc.weight.T))).toBe(0);
    }
    expect(fc.toString()).toBe('Linear(inFeatures=3, outFeatures=2, bias=false)');
  });

  test('init is PyTorch\'s: kaiming-uniform with a = √5 for W (bound 1/√in), then U(-1/√in, 1/√in) for b, from the global stream', () => {
    manualSeed(42);
    const fc = new Linear(5, 4, { dtype: 'float64' });
    const gain = Math.sqrt(2 / (1 + Math.sqrt(5) ** 2));
    const wBound = Math.sqrt(3) * (gain / Math.sqrt(5));
    expect(Math.abs(wBound - 1 / Math.sqrt(5))).toBeLessThan(1e-15);
    manualSeed(42);
    const w = uniform(-wBound, wBound, [4, 5], { dtype: 'float64' });
    const b = uniform(-1 / Math.sqrt(5), 1 / Math.sqrt(5), [4], { dtype: 'float64' });
    expect(fc.weight.toArray()).toEqual(w.toArray());
    expect(fc.bias!.toArray()).toEqual(b.toArray());
  });

  test('init draws from a given generator, reproducibly, and resetParameters draws again', () => {
    const a = new Linear(6, 3, { dtype: 'float64', generator: new Generator(3) });
    const b = new Linear(6, 3, { dtype: 'float64', generator: new Generator(3) });
    expect(a.weight.toArray()).toEqual(b.weight.toArray());
    expect(a.bias!.toArray()).toEqual(b.bias!.toArray());
    const before = a.weight.toArray();
    const weight = a.weight;
    a.resetParameters(new Generator(4));
    expect(a.weight).toBe(weight); // in place: optimizers keep their reference
    expect(a.weight.toArray()).not.toEqual(before);
    const bound = 1 / Math.sqrt(6);
    for (const v of [...a.weight.toFloat64Array(), ...a.bias!.toFloat64Array()]) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(a.weight.requiresGrad && a.weight.isLeaf).toBe(true);
  });

  test('a large layer\'s weights spread over the whole of U(-1/√in, 1/√in)', () => {
    const fc = new Linear(100, 200, { dtype: 'float64', generator: new Generator(0) });
    const v = fc.weight.toFloat64Array();
    const bound = 0.1;
    expect(Math.max(...v)).toBeLessThan(bound);
    expect(Math.max(...v)).toBeGreaterThan(0.99 * bound);
    expect(Math.min(...v)).toBeGreaterThan(-bound);
    expect(Math.abs(v.reduce((s, t) => s + t, 0) / v.length)).toBeLessThan(0.005);
    // variance of U(-c, c) is c²/3
    expect(fc.weight.var().item()).toBeCloseTo(bound ** 2 / 3, 4);
  });

  test('forward checks the input\'s rank, width and dtype with clear messages', () => {
    const fc = new Linear(5, 4, { dtype: 'float64' });
    expect(() => fc.forward(tensor([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]], { dtype: 'float64' }))).toThrow(ShapeError);
    expect(() => fc.forward(tensor([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]], { dtype: 'float64' }))).toThrow('Linear: expected input [N, 5] (got [3, 4])');
    expect(() => fc.forward(tensor([1, 2, 3, 4, 5], { dtype: 'float64' }))).toThrow('Linear: expected input [N, 5] (got [5])');
    expect(() => fc.forward(tensor([[1, 2, 3, 4, 5]], { dtype: 'float32' }))).toThrow(DtypeError);
    expect(() => fc.forward(tensor([[1, 2, 3, 4, 5]], { dtype: 'float32' }))).toThrow(/Linear: expected a float64 input \(got float32\)/);
  });

  test('the constructor checks sizes and the backward option', () => {
    expect(() => new Linear(2.5, 3)).toThrow('Linear: inFeatures must be a non-negative integer (got 2.5)');
    expect(() => new Linear(2, -1)).toThrow('Linear: outFeatures must be a non-negative integer (got -1)');
    expect(() => new Linear(2, 3, { backward: 'auto' as BackwardMode })).toThrow("Linear: backward must be 'fused' or 'tape' (got auto)");
  });

  test('a zero-width input gives the bias, as PyTorch does', () => {
    const fc = new Linear(0, 3, { dtype: 'float64' });
    expect(fc.bias!.toArray()).toEqual([0, 0, 0]);
    expect(fc.forward(tensor(new Float64Array(0), { shape: [2, 0] })).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });

  test('setBackwardMode and to(dtype) keep the layer working', () => {
    const fc = setBackwardMode(new Linear(3, 2), 'tape');
    expect(fc.backward).toBe('tape');
    fc.to('float64');
    expect(fc.forward(tensor([[1, 2, 3]], { dtype: 'float64' })).dtype).toBe('float64');
  });

  test('toString is PyTorch\'s', () => {
    expect(new Linear(5, 4).toString()).toBe('Linear(inFeatures=5, outFeatures=4, bias=true)');
    expect(new Linear(5, 4).extraRepr()).toBe('inFeatures=5, outFeatures=4, bias=true');
  });
});
