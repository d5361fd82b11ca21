import { describe, expect, test } from 'vitest';
import { manualSeed, randint, randn } from '@tapegrad/core';
import { crossEntropy } from '@tapegrad/nn';
import { loadReference } from '../../../../test-support/reference.js';
import { expectAllClose, toleranceFor } from '../../../../test-support/allclose.js';

describe('crossEntropy is cs231n\'s softmax_loss (cs231n.json)', () => {
  const c = loadReference('cs231n.json').find((k) => k.kind === 'cs231n.softmax_loss')!;
  test('inputs rebuilt from np.random.seed(231) give the stored x and y, then the same loss and dx', () => {
    manualSeed(231);
    const x = randn([50, 10], { dtype: 'float64' }).mul(0.001).detach();
    const y = randint(0, 10, [50]);
    const tol = toleranceFor('float64', 'reduction');
    expectAllClose(x, c.inputs.x!, tol, 'x');
    expect(Array.from(y.toFloat64Array())).toEqual(c.inputs.y!.data);
    x.requiresGrad = true;
    const loss = crossEntropy(x, y);
    expectAllClose([loss.item()], c.outputs.loss!.data, tol, 'loss');
    loss.backward();
    expectAllClose(x.grad!, c.outputs.dx!, tol, 'dx');
  });
});
