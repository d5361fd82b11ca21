/**
 * The training workloads W1-W3, built in one place: the notebook's net 3072-(hidden×5)-10 with
 * BatchNorm before each ReLU, softmax loss, Adam 1e-3, on ten fixed random minibatches, written two
 * ways: cs231n's `FullyConnectedNet.loss` + `Adam.step` + `releaseGrads` (`fcnet`), and the
 * PyTorch-style quickstart's `Sequential` of `Linear` (no bias before BatchNorm, as cs231n's
 * affine-batchnorm has none that counts) / `BatchNorm1d` / `ReLU`, `crossEntropy`, `Adam`
 * (`sequential`).
 *
 * The packages come in as a parameter, so that `w1Paired.ts` can build the same workload on another
 * checkout's `dist` (which need not have this file), and browser-safe (no Node imports), so that
 * `w1Step.ts` runs in a Chromium Worker. Seeding and the order of the draws (model before data, or
 * data before model) stay with the callers: each keeps the one its published figures were taken with.
 * @module
 */
import type * as Core from '@tapegrad/core';
import type * as Nn from '@tapegrad/nn';
import type * as Optim from '@tapegrad/optim';

/** The packages a workload is built from: this checkout's, or another one's loaded from its `dist`. */
export interface Packages {
  core: Pick<typeof Core, 'randn' | 'randint' | 'recyclingArrays'>;
  nn: Pick<typeof Nn, 'FullyConnectedNet' | 'Linear' | 'BatchNorm1d' | 'ReLU' | 'Sequential' | 'crossEntropy'>;
  optim: Pick<typeof Optim, 'Adam'>;
}

/** A training workload's size and dtype. */
export interface TrainingConfig {
  batch: number;
  hidden: number;
  dtype: 'float32' | 'float64';
}

/**
 * The ways the step is written: the two above; `scoped`, the Sequential one with its loss step
 * (forward and backward) in core's `recyclingArrays` scope, keeping the parameters' gradients for Adam;
 * `scopedStep`, the whole Sequential step (`zeroGrad`, the loss, `Adam.step`) in one scope keeping nothing.
 */
export type Form = 'fcnet' | 'sequential' | 'scoped' | 'scopedStep';

/** W1: batch 50, hidden 100, float32. */
export const W1: TrainingConfig = { batch: 50, hidden: 100, dtype: 'float32' };

/** W2: batch 500, hidden 1000, float32. */
export const W2: TrainingConfig = { batch: 500, hidden: 1000, dtype: 'float32' };

/** The training workloads of `training.ts`: W1, W2 and W3 (W1 in float64). */
export const TRAINING_WORKLOADS: Readonly<Record<'W1' | 'W2' | 'W3', TrainingConfig>> = {
  W1,
  W2,
  W3: { batch: 50, hidden: 100, dtype: 'float64' },
};

/** The net's fixed sizes and Adam's learning rate. */
export const LAYERS = 5, INPUT = 3072, CLASSES = 10, LR = 1e-3;

/** Ten fixed minibatches, cycled: `next()` hands out the next one. */
export interface Minibatches {
  next(): readonly [Core.Tensor, Core.Tensor];
}

/**
 * Draws ten minibatches now (each `randn([batch, 3072])` then `randint(0, 10, [batch])`); `next()`
 * cycles through them, one counter for every step that shares the object.
 */
export function minibatches({ core }: Pick<Packages, 'core'>, cfg: TrainingConfig): Minibatches {
  const data = Array.from({ length: 10 }, () => [core.randn([cfg.batch, INPUT], { dtype: cfg.dtype }), core.randint(0, CLASSES, [cfg.batch])] as const);
  let i = 0;
  return { next: () => data[i++ % data.length]! };
}

/**
 * A model and its Adam, the step split in its phases (so `w1Profile.ts` can time each):
 * `forward`, `backward`, `update`, called in that order once a step.
 */
export interface TrainingModel {
  readonly form: Form;
  /** The model's parameters, in the order Adam takes them (for tests that compare the forms). */
  readonly parameters: readonly Core.Tensor[];
  /** fcnet: `FullyConnectedNet.loss` (forward and backward in one); sequential: `zeroGrad`, then the loss. */
  forward(X: Core.Tensor, y: Core.Tensor): void;
  /** fcnet: nothing (done in `forward`); sequential: `loss.backward()`. */
  backward(): void;
  /** `Adam.step`; fcnet then `releaseGrads`, as the Solver does after each update. */
  update(): void;
}

/** Builds the model in `form` and its Adam now (drawing the initial weights from the global stream). */
export function trainingModel({ core, nn, optim }: Packages, cfg: TrainingConfig, form: Form): TrainingModel {
  const { dtype } = cfg;
  const hidden = new Array<number>(LAYERS).fill(cfg.hidden);
  if (form === 'fcnet') {
    const net = new nn.FullyConnectedNet(hidden, { normalization: 'batchnorm', dtype, weightScale: Math.sqrt(2 / INPUT) });
    const opt = new optim.Adam(net.parameters(), { lr: LR });
    let grads: Readonly<Record<string, Core.Tensor>> | undefined;
    return {
      form,
      parameters: net.parameters(),
      forward: (X, y) => {
        grads = net.loss(X, y).grads;
      },
      backward: () => {},
      update: () => {
        opt.step();
        net.releaseGrads(grads!);
        grads = undefined;
      },
    };
  }
  const dims = [INPUT, ...hidden];
  const layers = hidden.flatMap((h, l) => [new nn.Linear(dims[l]!, h, { bias: false, dtype }), new nn.BatchNorm1d(h, { dtype }), new nn.ReLU()]);
  const net = new nn.Sequential(...layers, new nn.Linear(cfg.hidden, CLASSES, { dtype }));
  const opt = new optim.Adam(net.parameters(), { lr: LR });
  if (form === 'scoped' || form === 'scopedStep') {
    // scoped: the loss step in the scope, which keeps the gradients for Adam; scopedStep: zeroGrad,
    // the loss step and Adam all in the scope, which keeps nothing
    const whole = form === 'scopedStep';
    const params = net.parameters();
    const grads: Core.Tensor[] = [];
    const keepGrads = (): Core.Tensor[] => {
      for (let i = 0; i < params.length; i++) grads[i] = params[i]!.grad!;
      return grads;
    };
    const keepNothing = (): Core.Tensor[] => [];
    let inputs: Core.Tensor | null = null, labels: Core.Tensor | null = null;
    const lossStep = (): number => {
      const loss = nn.crossEntropy(net.forward(inputs!), labels!);
      loss.backward();
      return loss.item();
    };
    const wholeStep = (): number => {
      opt.zeroGrad();
      const loss = lossStep();
      opt.step();
      return loss;
    };
    return {
      form,
      parameters: params,
      forward: (X, y) => {
        if (!whole) opt.zeroGrad();
        inputs = X;
        labels = y;
        core.recyclingArrays(whole ? wholeStep : lossStep, whole ? keepNothing : keepGrads);
        inputs = labels = null;
      },
      backward: () => {},
      update: whole ? () => {} : () => opt.step(),
    };
  }
  let loss: Core.Tensor | undefined;
  return {
    form,
    parameters: net.parameters(),
    forward: (X, y) => {
      opt.zeroGrad();
      loss = nn.crossEntropy(net.forward(X), y);
    },
    backward: () => {
      loss!.backward();
      loss = undefined;
    },
    update: () => opt.step(),
  };
}

/** One whole training step of `model` on the next of `data`. */
export function trainingStep(model: TrainingModel, data: Minibatches): () => void {
  return () => {
    const [X, y] = data.next();
    model.forward(X, y);
    model.backward();
    model.update();
  };
}
