/**
 * model.json: a whole PyTorch model (Sequential of Linear, BatchNorm1d, ReLU, LayerNorm) through one
 * train forward, backward and Adam step, on both backward paths.
 */
import { describe, expect, test } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';
import { BatchNorm1d, LayerNorm, Linear, ReLU, Sequential, crossEntropy, setBackwardMode, type BackwardMode } from '@tapegrad/nn';
import { Adam } from '@tapegrad/optim';
import { loadReference } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

const [modelCase] = loadReference<{ state_dict_keys: string[] }>('model.json');

describe('a whole model matches PyTorch through forward, backward and one Adam step (model.json)', () => {
  test.each(['fused', 'tape'] as BackwardMode[])('%s', (backward) => {
    const c = modelCase!;
    const dtype = c.dtype as 'float64';
    const model = setBackwardMode(
      new Sequential(
        new Linear(15, 20, { dtype }), new BatchNorm1d(20, { dtype }), new ReLU(),
        new Linear(20, 30, { dtype }), new LayerNorm(30, { dtype }), new ReLU(),
        new Linear(30, 10, { dtype }),
      ),
      backward,
    );
    expect(Object.keys(model.stateDict())).toEqual(c.config.state_dict_keys);
    const asTensor = (name: string, key = name): Tensor => {
      const r = c.inputs[key]!;
      return tensor(r.data, { shape: r.shape, dtype: name.endsWith('num_batches_tracked') ? 'int32' : dtype });
    };
    model.loadStateDict(Object.fromEntries(c.config.state_dict_keys.map((k) => [k, asTensor(k)])));
    const x = asTensor('x');
    const y = c.inputs.y!.data;
    const tol = toleranceFor(dtype, 'reduction');

    model.train();
    const logits = model.forward(x);
    expect(logits, 'logits').toBeAllclose(c.outputs.logits!, tol);
    const loss = crossEntropy(logits, y);
    expect([loss.item()], 'loss').toBeAllclose(c.outputs.loss!.data, tol);
    loss.backward();
    for (const [name, p] of model.namedParameters()) expect(p.grad!, `grad.${name}`).toBeAllclose(c.outputs[`grad.${name}`]!, tol);

    new Adam(model.parameters(), { lr: 1e-2 }).step();
    const after = model.stateDict();
    for (const key of c.config.state_dict_keys) expect(after[key]!, `state_dict.${key}`).toBeAllclose(c.outputs[`state_dict.${key}`]!, tol);
    expect(after['1.num_batches_tracked']!.item()).toBe(1);

    model.eval();
    expect(model.forward(x), 'eval logits').toBeAllclose(c.outputs.eval_logits_after_step!, tol);
  });
});
