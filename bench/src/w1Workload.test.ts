import { describe, expect, it } from 'vitest';
import { manualSeed } from '@tapegrad/core';
import { packages } from './w1Step.js';
import { minibatches, trainingModel, trainingStep, type Form, type TrainingConfig } from './w1Workload.js';

/** The parameters' values after `steps` steps of `form` on `cfg`, from seed 0 (model drawn before the data). */
function trainedParameters(cfg: TrainingConfig, form: Form, steps: number): number[][] {
  manualSeed(0);
  const model = trainingModel(packages, cfg, form);
  const step = trainingStep(model, minibatches(packages, cfg));
  for (let s = 0; s < steps; s++) step();
  return model.parameters.map((p) => Array.from(p.data.data as ArrayLike<number>));
}

describe('w1Workload', () => {
  it.each(['float32', 'float64'] as const)(
    'the Sequential step trains to the same bits in a scope, whole or loss only, as without one (%s)',
    (dtype) => {
      const cfg: TrainingConfig = { batch: 10, hidden: 20, dtype };
      const eager = trainedParameters(cfg, 'sequential', 4);
      expect(eager.length).toBe(17); // five bias-free Linear weights, five BatchNorms' γ and β, the last Linear's weight and bias
      expect(trainedParameters(cfg, 'scoped', 4)).toEqual(eager);
      expect(trainedParameters(cfg, 'scopedStep', 4)).toEqual(eager);
    },
  );
});
