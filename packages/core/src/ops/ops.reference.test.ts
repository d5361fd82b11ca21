import { describe, expect, test } from 'vitest';
import {
  tensor, add, sub, mul, div, matmul, transpose, reshape, sum, mean, variance, exp, log, sqrt, pow, relu,
  maximum, softmax, logSoftmax, max, type Tensor,
} from '@tapegrad/core';
import { loadReference } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

interface OpConfig {
  op: string;
  axis?: number | null;
  keepdim?: boolean;
  exponent?: number;
  shape?: number[];
  correction?: number;
}

const dims = (axis: number | null | undefined) => (axis === null || axis === undefined ? undefined : axis);

/** Each reference op, written with tapegrad's API exactly as the case's `config.torch` reads. */
const apply: Record<string, (c: OpConfig, x: Record<string, Tensor>) => Tensor> = {
  add: (_, { a, b }) => add(a!, b!),
  sub: (_, { a, b }) => sub(a!, b!),
  mul: (_, { a, b }) => mul(a!, b!),
  div: (_, { a, b }) => div(a!, b!),
  matmul: (_, { a, b }) => matmul(a!, b!),
  maximum: (_, { a, b }) => maximum(a!, b!),
  transpose: (_, { x }) => transpose(x!),
  reshape: (c, { x }) => reshape(x!, c.shape!),
  sum: (c, { x }) => sum(x!, dims(c.axis), c.keepdim),
  mean: (c, { x }) => mean(x!, dims(c.axis), c.keepdim),
  var: (c, { x }) => variance(x!, dims(c.axis), { correction: c.correction!, keepdim: c.keepdim! }),
  exp: (_, { x }) => exp(x!),
  log: (_, { x }) => log(x!),
  sqrt: (_, { x }) => sqrt(x!),
  pow: (c, { x }) => pow(x!, c.exponent!),
  relu: (_, { x }) => relu(x!),
  softmax: (_, { x }) => softmax(x!, -1),
  logSoftmax: (_, { x }) => logSoftmax(x!, -1),
  max: (c, { x }) => max(x!, c.axis!, c.keepdim),
};

const elementwise = new Set(['add', 'sub', 'mul', 'div', 'maximum', 'transpose', 'reshape', 'exp', 'log', 'sqrt', 'pow', 'relu']);

describe('ops match PyTorch (ops.json)', () => {
  const cases = loadReference<OpConfig>('ops.json');
  test('the file holds the 60 cases the manifest lists', () => {
    expect(cases).toHaveLength(60);
  });
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const op = apply[c.config.op];
    expect(op, `no mapping for op ${c.config.op}`).toBeDefined();
    const dtype = c.dtype as 'float32' | 'float64';
    const inputs: Record<string, Tensor> = {};
    for (const [name, arr] of Object.entries(c.inputs)) {
      if (name === 'G') continue;
      inputs[name] = tensor(Float64Array.from(arr.data), { shape: arr.shape, dtype, requiresGrad: true });
    }
    const G = c.inputs.G!;
    const out = op!(c.config, inputs);
    const tol = toleranceFor(dtype, elementwise.has(c.config.op) ? 'elementwise' : 'reduction');
    expect(out, 'out').toBeAllclose(c.outputs.out!, tol);
    out.backward(tensor(Float64Array.from(G.data), { shape: G.shape, dtype }));
    for (const [name, t] of Object.entries(inputs)) {
      const expected = c.outputs[`d${name}`];
      expect(expected, `reference has d${name}`).toBeDefined();
      expect(t.grad, `grad of ${name}`).not.toBeNull();
      expect(t.grad!.dtype).toBe(dtype);
      expect(t.grad!, `d${name}`).toBeAllclose(expected!, tol);
    }
  });
});
