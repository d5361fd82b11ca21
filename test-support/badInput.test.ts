/**
 * Every public function rejects bad input with a named error (issue 9): one test per kind of bad
 * input: wrong rank, wrong shape, wrong dtype, labels out of range, NaN hyperparameters, an empty
 * batch. Each case checks the error's class and that its message reads
 * `<op or module>: <what was expected> (got <what came>)`, and, where the call would change state
 * (an optimizer step, a training run), that nothing changed.
 * @module
 */
import { describe, expect, test } from 'vitest';
import {
  DtypeError, Generator, ShapeError, Tensor, add, exp, fromArray, matmul, randint, randn, relu, tensor, zeros,
} from '@tapegrad/core';
import {
  AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, CrossEntropyLoss, Dropout, Flatten, FullyConnectedNet, GroupNorm, LayerNorm, Linear,
  MaxPool2d, RMSNorm, ThreeLayerConvNet, batchNormFused, crossEntropy, dropout, layerNormFused,
} from '@tapegrad/nn';
import {
  Adam, AdamW, ExponentialLR, RMSprop, SGD, Solver, StepLR, cs231nUpdateRules, type SolverData,
} from '@tapegrad/optim';
import { DataError, DataLoader, TensorDataset } from '@tapegrad/data';

type ErrorClass = abstract new (...args: never[]) => Error;

/** One bad call: what it should throw, the name its message starts with, what it expects, what came. */
interface Refusal {
  /** The call, for failure messages. */
  call: string;
  run: () => unknown;
  error: ErrorClass;
  /** The op or module the message starts with (`matmul`, `BatchNorm1d`, `Adam.step`). */
  name: string;
  /** A part of the message that says what was expected. */
  expected: string;
  /** What came, as the message shows it after `(got `. */
  got: string;
}

/** Runs every case and checks its error; a case that throws nothing fails with its call's name. */
async function expectRefused(cases: readonly Refusal[]): Promise<void> {
  for (const c of cases) {
    let thrown: unknown;
    try {
      await c.run();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, `${c.call} was accepted`).toBeInstanceOf(c.error);
    const message = (thrown as Error).message;
    expect(message.startsWith(`${c.name}: `), `${c.call}: the message should start with "${c.name}: " (got "${message}")`).toBe(true);
    expect(message, c.call).toContain(c.expected);
    expect(message, c.call).toContain(`(got ${c.got}`);
  }
}

const f32 = { dtype: 'float32' } as const;
const f64 = { dtype: 'float64' } as const;
const ints = (values: number[]) => fromArray(new Int32Array(values), [values.length]);
const g = new Generator(9);
const param = () => g.randn([3], { dtype: 'float64', requiresGrad: true });
/** A small classification set: 8 training and 4 validation rows of 4 features, 3 classes. */
const smallData = (): SolverData => ({
  XTrain: g.randn([8, 4]), yTrain: g.randint(0, 3, [8]), XVal: g.randn([4, 4]), yVal: g.randint(0, 3, [4]),
});
const smallNet = (opts: ConstructorParameters<typeof FullyConnectedNet>[1] = {}) =>
  new FullyConnectedNet([5], { inputDim: 4, numClasses: 3, ...opts });
const smallConvNet = (opts: ConstructorParameters<typeof ThreeLayerConvNet>[0] = {}) =>
  new ThreeLayerConvNet({ inputDim: [3, 8, 8], numFilters: 2, filterSize: 3, hiddenDim: 4, ...opts });

describe('bad input is refused with a named error', () => {
  test('a tensor of the wrong rank is refused by the layer, op or loss it is given to', async () => {
    await expectRefused([
      { call: 'Linear(4, 3).forward([4])', run: () => new Linear(4, 3).forward(randn([4])), error: ShapeError, name: 'Linear', expected: 'expected input [N, 4]', got: '[4])' },
      { call: 'Linear(4, 3).forward([2, 2, 4])', run: () => new Linear(4, 3).forward(randn([2, 2, 4])), error: ShapeError, name: 'Linear', expected: 'expected input [N, 4]', got: '[2, 2, 4])' },
      { call: 'BatchNorm1d(4).forward([4])', run: () => new BatchNorm1d(4).forward(randn([4])), error: ShapeError, name: 'BatchNorm1d', expected: 'expected input [N, 4] or [N, 4, L]', got: '[4])' },
      { call: 'BatchNorm1d(4).forward([2, 4, 2, 2])', run: () => new BatchNorm1d(4).forward(randn([2, 4, 2, 2])), error: ShapeError, name: 'BatchNorm1d', expected: 'expected input [N, 4] or [N, 4, L]', got: '[2, 4, 2, 2])' },
      { call: 'LayerNorm(4).forward(scalar)', run: () => new LayerNorm(4).forward(tensor(1)), error: ShapeError, name: 'LayerNorm', expected: 'expected input [*, 4]', got: '[])' },
      { call: 'matmul(scalar, [2, 2])', run: () => matmul(tensor(2), randn([2, 2])), error: ShapeError, name: 'matmul', expected: 'operands must be 1-D or 2-D', got: 'a[] and b[2, 2])' },
      { call: 'matmul([2, 2, 2], [2, 2])', run: () => matmul(randn([2, 2, 2]), randn([2, 2])), error: ShapeError, name: 'matmul', expected: 'operands must be 1-D or 2-D', got: 'a[2, 2, 2] and b[2, 2])' },
      { call: 'crossEntropy(logits [10])', run: () => crossEntropy(randn([10]), [1]), error: ShapeError, name: 'crossEntropy', expected: 'expected logits [N, C]', got: '[10])' },
      { call: 'crossEntropy(logits [2, 10, 1])', run: () => crossEntropy(randn([2, 10, 1]), [1, 2]), error: ShapeError, name: 'crossEntropy', expected: 'expected logits [N, C]', got: '[2, 10, 1])' },
      { call: 'crossEntropy(target [2, 1])', run: () => crossEntropy(randn([2, 10]), randint(0, 10, [2, 1])), error: ShapeError, name: 'crossEntropy', expected: 'expected target [2]', got: '[2, 1])' },
      { call: 'FullyConnectedNet.forward(scalar)', run: () => smallNet().forward(tensor(1)), error: ShapeError, name: 'FullyConnectedNet', expected: 'expected input [N, 4]', got: '[])' },
      { call: 'Conv2d(3, 4, 3).forward([3, 8, 8])', run: () => new Conv2d(3, 4, 3).forward(randn([3, 8, 8])), error: ShapeError, name: 'Conv2d', expected: 'expected input [N, 3, H, W]', got: '[3, 8, 8])' },
      { call: 'MaxPool2d(2).forward([2, 8])', run: () => new MaxPool2d(2).forward(randn([2, 8])), error: ShapeError, name: 'MaxPool2d', expected: 'expected input [N, C, H, W]', got: '[2, 8])' },
      { call: 'AvgPool2d(2).forward([1, 1, 2, 4, 4])', run: () => new AvgPool2d(2).forward(randn([1, 1, 2, 4, 4])), error: ShapeError, name: 'AvgPool2d', expected: 'expected input [N, C, H, W]', got: '[1, 1, 2, 4, 4])' },
      { call: 'BatchNorm2d(3).forward([4, 3])', run: () => new BatchNorm2d(3).forward(randn([4, 3])), error: ShapeError, name: 'BatchNorm2d', expected: 'expected input [N, 3, H, W]', got: '[4, 3])' },
      { call: 'GroupNorm(2, 4).forward([4])', run: () => new GroupNorm(2, 4).forward(randn([4])), error: ShapeError, name: 'GroupNorm', expected: 'expected input [N, 4, *]', got: '[4])' },
      { call: 'RMSNorm([3, 4]).forward([4])', run: () => new RMSNorm([3, 4]).forward(randn([4])), error: ShapeError, name: 'RMSNorm', expected: 'expected input [*, 3, 4]', got: '[4])' },
      { call: 'ThreeLayerConvNet.forward([2, 3072])', run: () => smallConvNet().forward(randn([2, 3072])), error: ShapeError, name: 'ThreeLayerConvNet', expected: 'expected input [N, 3, 8, 8]', got: '[2, 3072])' },
      { call: 'Flatten().forward(scalar)', run: () => new Flatten().forward(tensor(1)), error: ShapeError, name: 'flatten', expected: 'dim must be an integer in [-1, 0]', got: '1)' },
      { call: 'new TensorDataset(scalar)', run: () => new TensorDataset(tensor(1)), error: ShapeError, name: 'TensorDataset', expected: 'tensors of rank >= 1', got: 'a scalar as tensor 0)' },
    ]);
  });

  test('a tensor of the wrong shape is refused, naming the expected shape and the one that came', async () => {
    await expectRefused([
      { call: 'Linear(4, 3).forward([2, 5])', run: () => new Linear(4, 3).forward(randn([2, 5])), error: ShapeError, name: 'Linear', expected: 'expected input [N, 4]', got: '[2, 5])' },
      { call: 'BatchNorm1d(4).forward([3, 5])', run: () => new BatchNorm1d(4).forward(randn([3, 5])), error: ShapeError, name: 'BatchNorm1d', expected: 'expected input [N, 4]', got: '[3, 5])' },
      { call: 'LayerNorm(4).forward([3, 5])', run: () => new LayerNorm(4).forward(randn([3, 5])), error: ShapeError, name: 'LayerNorm', expected: 'expected input [*, 4]', got: '[3, 5])' },
      { call: 'FullyConnectedNet(inputDim 4).forward([2, 5])', run: () => smallNet().forward(randn([2, 5])), error: ShapeError, name: 'FullyConnectedNet', expected: 'with 4 values per row', got: '[2, 5])' },
      { call: 'Conv2d(3, 4, 3).forward([2, 4, 8, 8])', run: () => new Conv2d(3, 4, 3).forward(randn([2, 4, 8, 8])), error: ShapeError, name: 'Conv2d', expected: 'expected input [N, 3, H, W]', got: '[2, 4, 8, 8])' },
      { call: 'BatchNorm2d(3).forward([2, 5, 4, 4])', run: () => new BatchNorm2d(3).forward(randn([2, 5, 4, 4])), error: ShapeError, name: 'BatchNorm2d', expected: 'expected input [N, 3, H, W]', got: '[2, 5, 4, 4])' },
      { call: 'GroupNorm(2, 6).forward([2, 4, 3, 3])', run: () => new GroupNorm(2, 6).forward(randn([2, 4, 3, 3])), error: ShapeError, name: 'GroupNorm', expected: 'expected input [N, 6, *]', got: '[2, 4, 3, 3])' },
      { call: 'RMSNorm(6).forward([4, 5])', run: () => new RMSNorm(6).forward(randn([4, 5])), error: ShapeError, name: 'RMSNorm', expected: 'expected input [*, 6]', got: '[4, 5])' },
      { call: 'ThreeLayerConvNet(8×8).forward([2, 3, 8, 9])', run: () => smallConvNet().forward(randn([2, 3, 8, 9])), error: ShapeError, name: 'ThreeLayerConvNet', expected: 'expected input [N, 3, 8, 8]', got: '[2, 3, 8, 9])' },
      { call: 'Conv2d(1, 1, 5).forward([1, 1, 4, 4])', run: () => new Conv2d(1, 1, 5).forward(randn([1, 1, 4, 4])), error: ShapeError, name: 'Conv2d', expected: 'the window 5×5 must fit in the padded input 4×4', got: 'input [1, 1, 4, 4] with padding [0, 0, 0, 0])' },
      { call: 'Conv2d(1, 1, 5, { padding: 1 }).forward([1, 1, 2, 9])', run: () => new Conv2d(1, 1, 5, { padding: 1 }).forward(randn([1, 1, 2, 9])), error: ShapeError, name: 'Conv2d', expected: 'the window 5×5 must fit in the padded input 4×11', got: 'input [1, 1, 2, 9] with padding [1, 1, 1, 1])' },
      { call: 'MaxPool2d(3).forward([1, 2, 2, 2])', run: () => new MaxPool2d(3).forward(randn([1, 2, 2, 2])), error: ShapeError, name: 'MaxPool2d', expected: 'the window 3×3 must fit in the padded input 2×2', got: 'input [1, 2, 2, 2] with padding [0, 0, 0, 0])' },
      { call: 'AvgPool2d(2, { padding: 1 }).forward([1, 1, 1, 5])', run: () => new AvgPool2d(4, { padding: 1 }).forward(randn([1, 1, 1, 5])), error: ShapeError, name: 'AvgPool2d', expected: 'the window 4×4 must fit in the padded input 3×7', got: 'input [1, 1, 1, 5] with padding [1, 1, 1, 1])' },
      { call: 'add([2, 3], [4])', run: () => add(randn([2, 3]), randn([4])), error: ShapeError, name: 'add', expected: 'shapes must broadcast', got: 'a[2, 3] and b[4])' },
      { call: '[2, 3].mul([2, 2])', run: () => randn([2, 3]).mul(randn([2, 2])), error: ShapeError, name: 'mul', expected: 'shapes must broadcast', got: 'a[2, 3] and b[2, 2])' },
      { call: 'matmul([2, 3], [4, 2])', run: () => matmul(randn([2, 3]), randn([4, 2])), error: ShapeError, name: 'matmul', expected: 'inner dims must match', got: 'a[2, 3] and b[4, 2])' },
      { call: '[2, 3].reshape([4, 2])', run: () => randn([2, 3]).reshape([4, 2]), error: ShapeError, name: 'reshape', expected: 'shape [4, 2] must hold the 6 elements of [2, 3]', got: '8)' },
      { call: '[2, 3].reshape([4, -1])', run: () => randn([2, 3]).reshape([4, -1]), error: ShapeError, name: 'reshape', expected: 'shape [4, -1] must hold the 6 elements of [2, 3]', got: '4·k)' },
      { call: '[2, 3].reshape([-1, -1])', run: () => randn([2, 3]).reshape([-1, -1]), error: ShapeError, name: 'reshape', expected: 'at most one -1', got: '[-1, -1])' },
      { call: 'crossEntropy([2, 10], 1 label)', run: () => crossEntropy(randn([2, 10]), [1]), error: ShapeError, name: 'crossEntropy', expected: 'expected target [2]', got: '1 labels)' },
      { call: 'new TensorDataset([3, 2], [4])', run: () => new TensorDataset(randn([3, 2]), randn([4])), error: ShapeError, name: 'TensorDataset', expected: 'tensors of the same size in dim 0', got: '[3, 2] and [4] as tensor 1)' },
      { call: 'Solver with 7 labels for 8 rows', run: () => new Solver(smallNet(), { ...smallData(), yTrain: randint(0, 3, [7]) }), error: ShapeError, name: 'Solver', expected: 'data.yTrain must be [8], one label per row of data.XTrain', got: '[7])' },
      { call: 'Adam step with a gradient of another shape', run: () => { const p = param(); p.grad = zeros([4], f64); new Adam([p]).step(); }, error: ShapeError, name: 'Adam.step', expected: 'must have its shape [3]', got: '[4])' },
    ]);
  });

  test('a tensor of the wrong dtype is refused: integers into float ops, float32 mixed with float64, float labels', async () => {
    const intRequiresGrad = () => { randint(0, 3, [2]).requiresGrad = true; };
    await expectRefused([
      { call: 'Linear(4, 3).forward(int32)', run: () => new Linear(4, 3).forward(randint(0, 3, [2, 4])), error: DtypeError, name: 'Linear', expected: 'expected a float32 input', got: 'int32)' },
      { call: 'Linear(4, 3).forward(float64) on a float32 layer', run: () => new Linear(4, 3).forward(randn([2, 4], f64)), error: DtypeError, name: 'Linear', expected: 'expected a float32 input', got: 'float64)' },
      { call: 'BatchNorm1d(4).forward(int32)', run: () => new BatchNorm1d(4).forward(randint(0, 3, [3, 4])), error: DtypeError, name: 'BatchNorm1d', expected: 'input must be float32 or float64', got: 'int32)' },
      { call: 'BatchNorm1d(4).forward(float64) on a float32 layer', run: () => new BatchNorm1d(4).forward(randn([3, 4], f64)), error: DtypeError, name: 'BatchNorm1d', expected: "expected input of the layer's dtype float32", got: 'float64)' },
      { call: 'LayerNorm(4).forward(int32)', run: () => new LayerNorm(4).forward(randint(0, 3, [3, 4])), error: DtypeError, name: 'LayerNorm', expected: 'input must be float32 or float64', got: 'int32)' },
      { call: 'Conv2d(3, 4, 3).forward(int32)', run: () => new Conv2d(3, 4, 3).forward(randint(0, 3, [1, 3, 5, 5])), error: DtypeError, name: 'Conv2d', expected: 'input must be float32 or float64', got: 'int32)' },
      { call: 'Conv2d(3, 4, 3).forward(float64) on a float32 layer', run: () => new Conv2d(3, 4, 3).forward(randn([1, 3, 5, 5], f64)), error: DtypeError, name: 'Conv2d', expected: 'expected a float32 input', got: 'float64)' },
      { call: 'BatchNorm2d(3).forward(float64) on a float32 layer', run: () => new BatchNorm2d(3).forward(randn([2, 3, 2, 2], f64)), error: DtypeError, name: 'BatchNorm2d', expected: "expected input of the layer's dtype float32", got: 'float64)' },
      { call: 'GroupNorm(1, 2).forward(int32)', run: () => new GroupNorm(1, 2).forward(randint(0, 3, [2, 2, 2])), error: DtypeError, name: 'GroupNorm', expected: 'input must be float32 or float64', got: 'int32)' },
      { call: 'MaxPool2d(2).forward(int32)', run: () => new MaxPool2d(2).forward(randint(0, 3, [1, 1, 4, 4])), error: DtypeError, name: 'MaxPool2d', expected: 'input must be float32 or float64', got: 'int32)' },
      { call: 'ThreeLayerConvNet (float32).forward(float64)', run: () => smallConvNet().forward(randn([2, 3, 8, 8], f64)), error: DtypeError, name: 'ThreeLayerConvNet', expected: "expected a float32 input, the model's dtype", got: 'float64)' },
      { call: 'add(float32, float64)', run: () => add(randn([2], f32), randn([2], f64)), error: DtypeError, name: 'add', expected: 'operands must have the same dtype', got: 'float32 and float64)' },
      { call: 'matmul(float32, float64)', run: () => matmul(randn([2, 2], f32), randn([2, 2], f64)), error: DtypeError, name: 'matmul', expected: 'operands must have the same dtype', got: 'float32 and float64)' },
      { call: 'matmul(int32, int32)', run: () => matmul(randint(0, 3, [2, 2]), randint(0, 3, [2, 2])), error: DtypeError, name: 'matmul', expected: 'a must be float32 or float64', got: 'int32)' },
      { call: 'exp(int32)', run: () => exp(randint(0, 3, [2])), error: DtypeError, name: 'exp', expected: 'input must be float32 or float64', got: 'int32)' },
      { call: 'relu(uint8)', run: () => relu(fromArray(new Uint8Array([1, 2]), [2])), error: DtypeError, name: 'relu', expected: 'input must be float32 or float64', got: 'uint8)' },
      { call: 'dropout(int32)', run: () => dropout(randint(0, 3, [3, 4]), 0.5, true), error: DtypeError, name: 'dropout', expected: 'input must be float32 or float64', got: 'int32)' },
      { call: 'crossEntropy(int32 logits)', run: () => crossEntropy(randint(0, 3, [2, 10]), [1, 2]), error: DtypeError, name: 'crossEntropy', expected: 'logits must be float32 or float64', got: 'int32)' },
      { call: 'crossEntropy(float32 labels)', run: () => crossEntropy(randn([2, 10]), tensor([1, 2], f32)), error: DtypeError, name: 'crossEntropy', expected: 'target must be an int32 tensor of class indices', got: 'float32)' },
      { call: 'FullyConnectedNet.loss(float32 X, float32 labels)', run: () => smallNet().loss(randn([2, 4]), tensor([1, 2], f32)), error: DtypeError, name: 'crossEntropy', expected: 'target must be an int32 tensor', got: 'float32)' },
      { call: 'FullyConnectedNet (float32).forward(float64)', run: () => smallNet().forward(randn([2, 4], f64)), error: DtypeError, name: 'FullyConnectedNet', expected: "expected a float32 input, the model's dtype", got: 'float64)' },
      { call: 'FullyConnectedNet (float32).forward(int32)', run: () => smallNet().forward(randint(0, 3, [2, 4])), error: DtypeError, name: 'FullyConnectedNet', expected: "expected a float32 input, the model's dtype", got: 'int32)' },
      { call: 'Solver with float64 labels', run: () => new Solver(smallNet(), { ...smallData(), yTrain: randn([8], f64) }), error: DtypeError, name: 'Solver', expected: 'data.yTrain must hold int32 class indices', got: 'float64)' },
      { call: 'new Adam([int32])', run: () => new Adam([randint(0, 3, [2])]), error: DtypeError, name: 'Adam', expected: 'parameter 0 must be float32 or float64', got: 'int32)' },
      { call: 'cs231n sgd(int32 w)', run: () => cs231nUpdateRules.sgd(randint(0, 3, [2]), randint(0, 3, [2])), error: DtypeError, name: 'sgd', expected: 'w must be float32 or float64', got: 'int32)' },
      { call: 'int32 tensor.requiresGrad = true', run: intRequiresGrad, error: DtypeError, name: 'requiresGrad', expected: 'only floating tensors can require grad', got: 'int32)' },
    ]);
  });

  test('crossEntropy refuses labels that are negative, at least C, not integers or not numbers, however they reach it', async () => {
    const logits = () => randn([2, 10], f64);
    const trainWith = async (yTrain: Tensor) => {
      const model = smallNet();
      const before = model.params.W1!.toFloat64Array();
      const solver = new Solver(model, { ...smallData(), yTrain }, { batchSize: 8, numEpochs: 1, verbose: false });
      try {
        await solver.train();
      } finally {
        expect(model.params.W1!.toFloat64Array(), 'a refused step updates nothing').toEqual(before);
      }
    };
    await expectRefused([
      { call: 'crossEntropy(target -1)', run: () => crossEntropy(logits(), [0, -1]), error: RangeError, name: 'crossEntropy', expected: 'target[1] must be a class index in [0, 10)', got: '-1)' },
      { call: 'crossEntropy(target 10)', run: () => crossEntropy(logits(), [10, 0]), error: RangeError, name: 'crossEntropy', expected: 'target[0] must be a class index in [0, 10)', got: '10)' },
      { call: 'crossEntropy(target 0.5)', run: () => crossEntropy(logits(), [0.5, 0]), error: RangeError, name: 'crossEntropy', expected: 'target[0] must be a class index in [0, 10)', got: '0.5)' },
      { call: 'crossEntropy(target NaN)', run: () => crossEntropy(logits(), [0, NaN]), error: RangeError, name: 'crossEntropy', expected: 'target[1] must be a class index in [0, 10)', got: 'NaN)' },
      { call: 'crossEntropy(int32 target 10)', run: () => crossEntropy(logits(), ints([0, 10])), error: RangeError, name: 'crossEntropy', expected: 'target[1] must be a class index in [0, 10)', got: '10)' },
      { call: 'crossEntropy(int32 target -3)', run: () => crossEntropy(logits(), ints([-3, 0])), error: RangeError, name: 'crossEntropy', expected: 'target[0] must be a class index in [0, 10)', got: '-3)' },
      { call: 'CrossEntropyLoss().forward(target 11)', run: () => new CrossEntropyLoss().forward(logits(), [0, 11]), error: RangeError, name: 'crossEntropy', expected: 'target[1] must be a class index in [0, 10)', got: '11)' },
      { call: 'FullyConnectedNet(3 classes).loss(X, [0, 3])', run: () => smallNet().loss(randn([2, 4]), [0, 3]), error: RangeError, name: 'crossEntropy', expected: 'target[1] must be a class index in [0, 3)', got: '3)' },
      { call: 'Solver.train on labels 7 for 3 classes', run: () => trainWith(ints([7, 7, 7, 7, 7, 7, 7, 7])), error: RangeError, name: 'crossEntropy', expected: 'must be a class index in [0, 3)', got: '7)' },
    ]);
  });

  test('a NaN hyperparameter is refused by the optimizer, scheduler, layer, model or Solver it is given to', async () => {
    const sgd = () => new SGD([param()], { lr: 0.1 });
    /** An option set to NaN after construction reaches step(), which refuses it before updating. */
    const stepWith = (make: () => SGD | Adam, set: (group: Record<string, unknown>) => void) => () => {
      const opt = make();
      const p = opt.paramGroups[0]!.params[0]!;
      p.grad = g.randn([3], f64);
      const before = p.toFloat64Array();
      set(opt.paramGroups[0] as unknown as Record<string, unknown>);
      try {
        opt.step();
      } finally {
        expect(p.toFloat64Array(), 'a refused step updates nothing').toEqual(before);
      }
    };
    const bnWithEps = () => { const bn = new BatchNorm1d(4); bn.eps = NaN; return bn.forward(randn([3, 4])); };
    const netWithReg = () => { const net = smallNet({ reg: 0.1 }); net.reg = NaN; return net.loss(randn([2, 4]), [0, 1]); };
    await expectRefused([
      { call: 'SGD lr NaN', run: () => new SGD([param()], { lr: NaN }), error: RangeError, name: 'SGD', expected: 'lr must be a finite number', got: 'NaN)' },
      { call: 'SGD momentum NaN', run: () => new SGD([param()], { lr: 0.1, momentum: NaN }), error: RangeError, name: 'SGD', expected: 'momentum must be a finite number', got: 'NaN)' },
      { call: 'SGD param group lr NaN', run: () => new SGD([{ params: [param()], lr: NaN }], { lr: 0.1 }), error: RangeError, name: 'SGD', expected: 'lr of param group 0 must be a finite number', got: 'NaN)' },
      { call: 'Adam lr NaN', run: () => new Adam([param()], { lr: NaN }), error: RangeError, name: 'Adam', expected: 'lr must be a finite number', got: 'NaN)' },
      { call: 'Adam betas [NaN, 0.999]', run: () => new Adam([param()], { betas: [NaN, 0.999] }), error: RangeError, name: 'Adam', expected: 'betas[0] must be a finite number', got: 'NaN)' },
      { call: 'Adam eps NaN', run: () => new Adam([param()], { eps: NaN }), error: RangeError, name: 'Adam', expected: 'eps must be a finite number', got: 'NaN)' },
      { call: 'AdamW weightDecay NaN', run: () => new AdamW([param()], { weightDecay: NaN }), error: RangeError, name: 'AdamW', expected: 'weightDecay must be a finite number', got: 'NaN)' },
      { call: 'RMSprop alpha NaN', run: () => new RMSprop([param()], { alpha: NaN }), error: RangeError, name: 'RMSprop', expected: 'alpha must be a finite number', got: 'NaN)' },
      { call: 'RMSprop momentum NaN', run: () => new RMSprop([param()], { momentum: NaN }), error: RangeError, name: 'RMSprop', expected: 'momentum must be a finite number', got: 'NaN)' },
      { call: 'SGD step after group.lr = NaN', run: stepWith(sgd, (group) => { group.lr = NaN; }), error: RangeError, name: 'SGD.step', expected: 'lr of param group 0 must be a finite number', got: 'NaN)' },
      { call: 'Adam step after group.betas = [0.9, NaN]', run: stepWith(() => new Adam([param()]), (group) => { group.betas = [0.9, NaN]; }), error: RangeError, name: 'Adam.step', expected: 'betas[1] of param group 0 must be a finite number', got: 'NaN)' },
      { call: 'StepLR gamma NaN', run: () => new StepLR(sgd(), { stepSize: 1, gamma: NaN }), error: RangeError, name: 'StepLR', expected: 'gamma must be a finite number', got: 'NaN)' },
      { call: 'StepLR stepSize NaN', run: () => new StepLR(sgd(), { stepSize: NaN }), error: RangeError, name: 'StepLR', expected: 'stepSize must be a finite number', got: 'NaN)' },
      { call: 'ExponentialLR gamma NaN', run: () => new ExponentialLR(sgd(), { gamma: NaN }), error: RangeError, name: 'ExponentialLR', expected: 'gamma must be a finite number', got: 'NaN)' },
      { call: 'cs231n sgd learningRate NaN', run: () => cs231nUpdateRules.sgd(randn([2]), randn([2]), { learningRate: NaN }), error: RangeError, name: 'sgd', expected: 'learningRate must be a finite number', got: 'NaN)' },
      { call: 'cs231n sgd_momentum momentum NaN', run: () => cs231nUpdateRules.sgd_momentum(randn([2]), randn([2]), { momentum: NaN }), error: RangeError, name: 'sgd_momentum', expected: 'momentum must be a finite number', got: 'NaN)' },
      { call: 'cs231n rmsprop decayRate NaN', run: () => cs231nUpdateRules.rmsprop(randn([2]), randn([2]), { decayRate: NaN }), error: RangeError, name: 'rmsprop', expected: 'decayRate must be a finite number', got: 'NaN)' },
      { call: 'cs231n adam beta1 NaN', run: () => cs231nUpdateRules.adam(randn([2]), randn([2]), { beta1: NaN }), error: RangeError, name: 'adam', expected: 'beta1 must be a finite number', got: 'NaN)' },
      { call: 'cs231n adam epsilon NaN', run: () => cs231nUpdateRules.adam(randn([2]), randn([2]), { epsilon: NaN }), error: RangeError, name: 'adam', expected: 'epsilon must be a finite number', got: 'NaN)' },
      { call: 'BatchNorm1d eps NaN', run: () => new BatchNorm1d(4, { eps: NaN }), error: RangeError, name: 'BatchNorm1d', expected: 'eps must be >= 0', got: 'NaN)' },
      { call: 'BatchNorm1d momentum NaN', run: () => new BatchNorm1d(4, { momentum: NaN }), error: RangeError, name: 'BatchNorm1d', expected: 'momentum must be in [0, 1] or null', got: 'NaN)' },
      { call: 'BatchNorm1d forward after bn.eps = NaN', run: bnWithEps, error: RangeError, name: 'batchNormFused', expected: 'eps must be >= 0', got: 'NaN)' },
      { call: 'batchNormFused eps NaN', run: () => batchNormFused(randn([3, 4]), null, null, { training: true, eps: NaN }), error: RangeError, name: 'batchNormFused', expected: 'eps must be >= 0', got: 'NaN)' },
      { call: 'LayerNorm eps NaN', run: () => new LayerNorm(4, { eps: NaN }), error: RangeError, name: 'LayerNorm', expected: 'eps must be >= 0', got: 'NaN)' },
      { call: 'layerNormFused eps NaN', run: () => layerNormFused(randn([3, 4]), [4], null, null, NaN), error: RangeError, name: 'layerNormFused', expected: 'eps must be >= 0', got: 'NaN)' },
      { call: 'BatchNorm2d momentum NaN', run: () => new BatchNorm2d(4, { momentum: NaN }), error: RangeError, name: 'BatchNorm2d', expected: 'momentum must be in [0, 1] or null', got: 'NaN)' },
      { call: 'GroupNorm eps NaN', run: () => new GroupNorm(2, 4, { eps: NaN }), error: RangeError, name: 'GroupNorm', expected: 'eps must be >= 0', got: 'NaN)' },
      { call: 'RMSNorm eps NaN', run: () => new RMSNorm(4, { eps: NaN }), error: RangeError, name: 'RMSNorm', expected: 'eps must be >= 0', got: 'NaN)' },
      { call: 'ThreeLayerConvNet reg NaN', run: () => smallConvNet({ reg: NaN }), error: RangeError, name: 'ThreeLayerConvNet', expected: 'reg must be a finite number >= 0', got: 'NaN)' },
      { call: 'ThreeLayerConvNet weightScale NaN', run: () => smallConvNet({ weightScale: NaN }), error: RangeError, name: 'ThreeLayerConvNet', expected: 'weightScale must be finite', got: 'NaN)' },
      { call: 'Dropout(NaN)', run: () => new Dropout(NaN), error: RangeError, name: 'Dropout', expected: 'p must be a probability in [0, 1]', got: 'NaN)' },
      { call: 'dropout(x, NaN)', run: () => dropout(randn([3, 4]), NaN, true), error: RangeError, name: 'dropout', expected: 'p must be a probability in [0, 1]', got: 'NaN)' },
      { call: 'FullyConnectedNet reg NaN', run: () => smallNet({ reg: NaN }), error: RangeError, name: 'FullyConnectedNet', expected: 'reg must be a finite number >= 0', got: 'NaN)' },
      { call: 'FullyConnectedNet reg Infinity', run: () => smallNet({ reg: Infinity }), error: RangeError, name: 'FullyConnectedNet', expected: 'reg must be a finite number >= 0', got: 'Infinity)' },
      { call: 'FullyConnectedNet.loss after net.reg = NaN', run: netWithReg, error: RangeError, name: 'FullyConnectedNet', expected: 'reg must be a finite number >= 0', got: 'NaN)' },
      { call: 'FullyConnectedNet weightScale NaN', run: () => smallNet({ weightScale: NaN }), error: RangeError, name: 'FullyConnectedNet', expected: 'weightScale must be finite', got: 'NaN)' },
      { call: 'FullyConnectedNet dropoutKeepRatio NaN', run: () => smallNet({ dropoutKeepRatio: NaN }), error: RangeError, name: 'FullyConnectedNet', expected: 'dropoutKeepRatio must be in (0, 1]', got: 'NaN)' },
      { call: 'Solver lrDecay NaN', run: () => new Solver(smallNet(), smallData(), { lrDecay: NaN }), error: RangeError, name: 'Solver', expected: 'lrDecay must be a finite number >= 0', got: 'NaN)' },
      { call: 'Solver batchSize NaN', run: () => new Solver(smallNet(), smallData(), { batchSize: NaN }), error: RangeError, name: 'Solver', expected: 'batchSize must be an integer >= 1', got: 'NaN)' },
      { call: 'Solver numEpochs NaN', run: () => new Solver(smallNet(), smallData(), { numEpochs: NaN }), error: RangeError, name: 'Solver', expected: 'numEpochs must be an integer >= 1', got: 'NaN)' },
      { call: 'Solver optimConfig learningRate NaN', run: () => new Solver(smallNet(), smallData(), { updateRule: 'adam', optimConfig: { learningRate: NaN } }), error: RangeError, name: 'Solver', expected: 'optimConfig.learningRate must be a finite number', got: 'NaN)' },
      { call: 'Solver optimConfig beta2 NaN', run: () => new Solver(smallNet(), smallData(), { updateRule: 'adam', optimConfig: { beta2: NaN } }), error: RangeError, name: 'Solver', expected: 'optimConfig.beta2 must be a finite number', got: 'NaN)' },
      { call: 'DataLoader batchSize NaN', run: () => new DataLoader(new TensorDataset(randn([3, 2])), { batchSize: NaN }), error: DataError, name: 'DataLoader', expected: 'batchSize as a positive integer', got: 'NaN)' },
    ]);
  });

  test('channel groups that do not divide the channels, and sizes that are not positive integers, are refused by the layer', async () => {
    await expectRefused([
      { call: 'Conv2d(3, 8, 3, { groups: 2 })', run: () => new Conv2d(3, 8, 3, { groups: 2 }), error: RangeError, name: 'Conv2d', expected: 'groups must divide inChannels 3 and outChannels 8', got: 'groups 2)' },
      { call: 'Conv2d(4, 6, 3, { groups: 4 })', run: () => new Conv2d(4, 6, 3, { groups: 4 }), error: RangeError, name: 'Conv2d', expected: 'groups must divide inChannels 4 and outChannels 6', got: 'groups 4)' },
      { call: 'Conv2d(4, 4, 3, { groups: 0 })', run: () => new Conv2d(4, 4, 3, { groups: 0 }), error: RangeError, name: 'Conv2d', expected: 'groups must be a positive integer', got: '0)' },
      { call: "Conv2d(3, 4, 3, { padding: 'same', stride: 2 })", run: () => new Conv2d(3, 4, 3, { padding: 'same', stride: 2 }), error: RangeError, name: 'Conv2d', expected: "padding 'same' needs stride 1", got: 'stride [2, 2])' },
      { call: 'Conv2d(3, 4, 0)', run: () => new Conv2d(3, 4, 0), error: RangeError, name: 'Conv2d', expected: 'kernelSize must be a positive integer or a pair of them', got: '0)' },
      { call: 'GroupNorm(4, 6)', run: () => new GroupNorm(4, 6), error: RangeError, name: 'GroupNorm', expected: 'numGroups must divide numChannels 6', got: 'numGroups 4)' },
      { call: 'GroupNorm(0, 6)', run: () => new GroupNorm(0, 6), error: RangeError, name: 'GroupNorm', expected: 'numGroups must be a positive integer', got: '0)' },
      { call: 'BatchNorm2d(0)', run: () => new BatchNorm2d(0), error: RangeError, name: 'BatchNorm2d', expected: 'numFeatures must be a positive integer', got: '0)' },
      { call: 'MaxPool2d(2, { padding: 2 })', run: () => new MaxPool2d(2, { padding: 2 }), error: RangeError, name: 'MaxPool2d', expected: 'padding must be at most half the window 2×2', got: 'padding [2, 2])' },
      { call: 'AvgPool2d(2, { stride: 0 })', run: () => new AvgPool2d(2, { stride: 0 }), error: RangeError, name: 'AvgPool2d', expected: 'stride must be a positive integer or a pair of them', got: '0)' },
      { call: 'ThreeLayerConvNet({ numFilters: 0 })', run: () => smallConvNet({ numFilters: 0 }), error: ShapeError, name: 'ThreeLayerConvNet', expected: 'numFilters must be a positive integer', got: '0)' },
    ]);
  });

  test('an empty batch is refused where it would train on nothing or average over nothing', async () => {
    const empty = zeros([0, 4]);
    await expectRefused([
      { call: 'BatchNorm1d(4) in train mode on [0, 4]', run: () => new BatchNorm1d(4).forward(empty), error: ShapeError, name: 'BatchNorm1d', expected: 'expected more than 1 value per channel when training', got: 'input [0, 4])' },
      { call: 'BatchNorm1d(4) in train mode on [1, 4]', run: () => new BatchNorm1d(4).forward(zeros([1, 4])), error: ShapeError, name: 'BatchNorm1d', expected: 'expected more than 1 value per channel when training', got: 'input [1, 4])' },
      { call: 'BatchNorm2d(4) in train mode on [1, 4, 1, 1]', run: () => new BatchNorm2d(4).forward(zeros([1, 4, 1, 1])), error: ShapeError, name: 'BatchNorm2d', expected: 'expected more than 1 value per channel when training', got: 'input [1, 4, 1, 1])' },
      { call: 'ThreeLayerConvNet.loss([0, 3, 8, 8], [])', run: () => smallConvNet().loss(zeros([0, 3, 8, 8]), []), error: ShapeError, name: 'crossEntropy', expected: 'with N >= 1', got: '[0, 10])' },
      { call: 'batchNormFused training on [0, 4]', run: () => batchNormFused(empty, null, null, { training: true }), error: ShapeError, name: 'batchNormFused', expected: 'expected more than 1 value per channel when training', got: 'input [0, 4])' },
      { call: 'crossEntropy([0, 10], [])', run: () => crossEntropy(zeros([0, 10]), []), error: ShapeError, name: 'crossEntropy', expected: 'with N >= 1 for the mean over the batch', got: '[0, 10])' },
      { call: 'CrossEntropyLoss().forward([0, 3], [])', run: () => new CrossEntropyLoss().forward(zeros([0, 3]), []), error: ShapeError, name: 'crossEntropy', expected: 'with N >= 1', got: '[0, 3])' },
      { call: 'FullyConnectedNet.loss([0, 4], [])', run: () => smallNet().loss(empty, []), error: ShapeError, name: 'crossEntropy', expected: 'with N >= 1', got: '[0, 3])' },
      { call: 'FullyConnectedNet(batchnorm).loss([0, 4], [])', run: () => smallNet({ normalization: 'batchnorm' }).loss(empty, []), error: ShapeError, name: 'batchNormFused', expected: 'expected more than 1 value per channel when training', got: 'input [0, 5])' },
      { call: 'Solver with an empty XTrain', run: () => new Solver(smallNet(), { ...smallData(), XTrain: empty, yTrain: ints([]) }), error: ShapeError, name: 'Solver', expected: 'data.XTrain must hold at least one example', got: '[0, 4])' },
      { call: 'Solver with an empty XVal', run: () => new Solver(smallNet(), { ...smallData(), XVal: empty, yVal: ints([]) }), error: ShapeError, name: 'Solver', expected: 'data.XVal must hold at least one example', got: '[0, 4])' },
      { call: 'Solver.checkAccuracy on an empty X', run: () => new Solver(smallNet(), smallData(), { verbose: false }).checkAccuracy(empty, ints([])), error: ShapeError, name: 'Solver', expected: 'checkAccuracy X must hold at least one example', got: '[0, 4])' },
      { call: 'DataLoader batchSize 0', run: () => new DataLoader(new TensorDataset(randn([3, 2])), { batchSize: 0 }), error: DataError, name: 'DataLoader', expected: 'batchSize as a positive integer', got: '0)' },
      { call: 'DataLoader over an empty dataset', run: () => new DataLoader(new TensorDataset(zeros([0, 2])), { batchSize: 2 }), error: DataError, name: 'DataLoader', expected: 'a dataset of at least one example', got: 'an empty dataset)' },
    ]);
    // the sums stay defined on an empty batch: only the mean is refused
    expect(crossEntropy(zeros([0, 10]), [], { reduction: 'sum' }).item()).toBe(0);
    expect(crossEntropy(zeros([0, 10]), [], { reduction: 'none' }).shape).toEqual([0]);
  });
});
