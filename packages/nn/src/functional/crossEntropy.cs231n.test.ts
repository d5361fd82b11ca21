import { describe, expect, test } from 'vitest';
import { manualSeed, randint, randn } from '@tapegrad/core';
import { crossEntropy } from '@tapegrad/nn';
import { loadReference } from '@tapegrad/test-support/reference';
import { toleranceFor } from '@tapegrad/test-support/allclose';

describe('crossEntropy is cs231n\'s softmax_loss (cs231n.json)', () => {
  const c = loadReference('cs231n.json').find((k) => k.kind === 'cs231n.softmax_loss')!;
  test('inputs rebuilt from np.random.seed(231) give the stored x and y, then the same loss and dx', () => {
    manualSeed(231);
    const x = randn([50, 10], { dtype: 'float64' }).mul(0.001).detach();
    const y = randint(0, 10, [50]);
    const tol = toleranceFor('float64', 'reduction');
    expect(x, 'x').toBeAllclose(c.inputs.x!, tol);
    expect(Array.from(y.toFloat64Array())).toEqual(c.inputs.y!.data);
    x.requiresGrad = true;
    const loss = crossEntropy(x, y);
    expect([loss.item()], 'loss').toBeAllclose(c.outputs.loss!.data, tol);
    loss.backward();
    expect(x.grad!, 'dx').toBeAllclose(c.outputs.dx!, tol);
  });
});
