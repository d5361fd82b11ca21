import { describe, expect, test } from 'vitest';
import { gradcheck, tensor, type FloatDType, type Tensor } from '@tapegrad/core';
import { ReLU, type BackwardMode } from '@tapegrad/nn';
import { loadReference, type ReferenceArray } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const modes: BackwardMode[] = ['fused', 'tape'];
const load = (a: ReferenceArray, dtype: FloatDType, requiresGrad = false): Tensor =>
  tensor(Float64Array.from(a.data), { dtype, shape: a.shape, requiresGrad });

describe('ReLU against PyTorch (nn.json)', () => {
  const cases = loadReference('nn.json').filter((c) => c.kind === 'nn.ReLU');
  test('the reference file has float64 and float32 ReLU cases with exact zeros', () => {
    expect(cases.map((c) => c.dtype).sort()).toEqual(['float32', 'float64']);
    for (const c of cases) expect(c.inputs.x!.data).toContain(0);
  });
  for (const c of cases) {
    for (const backward of modes) {
      test(`${c.name} matches out and dx (backward '${backward}')`, () => {
        const dtype = c.dtype as FloatDType;
        const x = load(c.inputs.x!, dtype, true);
        const out = new ReLU({ backward }).forward(x);
        expect(out.gradFn?.name).toBe(backward === 'fused' ? 'reluFused' : 'relu');
        out.backward(load(c.inputs.G!, dtype));
        const tol = toleranceFor(dtype, 'elementwise');
        expect(out, 'out').toBeAllclose(c.outputs.out!, tol);
        expect(x.grad!, 'dx').toBeAllclose(c.outputs.dx!, tol);
      });
    }
  }
});

describe('ReLU', () => {
  for (const backward of modes) {
    test(`gradcheck passes through the module (backward '${backward}')`, () => {
      const x = tensor([[-1.5, 0.3, 2], [0.7, -0.2, -3]], { dtype: 'float64', requiresGrad: true });
      expect(gradcheck((t) => new ReLU({ backward }).forward(t), [x]).ok).toBe(true);
    });
  }

  test('defaults to the fused backward, has no parameters and prints as ReLU()', () => {
    const relu = new ReLU();
    expect(relu.backward).toBe('fused');
    expect(relu.parameters()).toEqual([]);
    expect(relu.toString()).toBe('ReLU()');
    expect(() => new ReLU({ backward: 'Fused' as BackwardMode })).toThrow("ReLU: backward must be 'fused' or 'tape' (got Fused)");
  });
});
