/**
 * The small convnet of the part "Beyond the notebook" (sections/convNets.ts) and what cs231n's
 * Solver trains it as: {conv 3×3 'same' - [norm] - relu - 2×2 max pool} × 2 - affine, as a module,
 * and that module with its loss and an Adam optimizer (optim's `ModuleSetup`). Platform-free: a
 * training task (training.ts) builds it in whatever thread or worker runs the task.
 * @module
 */
import { BatchNorm2d, Conv2d, Flatten, GroupNorm, Linear, MaxPool2d, ReLU, Sequential, crossEntropy, type Module } from '@tapegrad/nn';
import { Adam, type ModuleSetup } from '@tapegrad/optim';

/** The convnet's normalization after each convolution: none, BatchNorm2d, or GroupNorm with 4 groups. */
export type ConvNorm = 'none' | 'batchnorm' | 'groupnorm';

/**
 * The convnet: two stages of conv 3×3 'same' - norm - relu - pool 2×2 (8, then 16 channels), then
 * affine to 10 classes; float32 whatever the default dtype, as the images it trains on are.
 */
export function convnet(norm: ConvNorm): Sequential {
  const dtype = 'float32';
  const normOf = (c: number): Module[] => (norm === 'batchnorm' ? [new BatchNorm2d(c, { dtype })] : norm === 'groupnorm' ? [new GroupNorm(4, c, { dtype })] : []);
  return new Sequential(
    new Conv2d(3, 8, 3, { padding: 'same', dtype }), ...normOf(8), new ReLU(), new MaxPool2d(2),
    new Conv2d(8, 16, 3, { padding: 'same', dtype }), ...normOf(16), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(16 * 8 * 8, 10, { dtype }),
  );
}

/**
 * The convnet as the Solver trains it: cross-entropy on its scores, and optim's Adam at
 * `learningRate` (PyTorch's Adam, whose update is cs231n's adam rule's: the FullyConnectedNets of the
 * run are stepped by that rule). The Solver sets train mode for each step and eval mode (restored
 * afterwards) for the accuracy checks. The module is float32, as the images (`TrainingArrays`) are;
 * images of another dtype would be a DtypeError from Conv2d, not a silent conversion.
 */
export function convnetSetup(norm: ConvNorm, learningRate: number): ModuleSetup {
  const module = convnet(norm);
  return { module, lossFn: crossEntropy, optimizer: new Adam(module.parameters(), { lr: learningRate }) };
}
