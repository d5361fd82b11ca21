import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { Generator, ShapeError, Tensor, choice, manualSeed, tensor, type RowIndex } from '@tapegrad/core';
import { FullyConnectedNet, Linear, Sequential, crossEntropy } from '@tapegrad/nn';
import { SGD, Solver, NonFiniteLossError, type Cs231nModel, type EpochInfo } from '@tapegrad/optim';
import { readCheckpoint } from './checkpointFile.js';

/**
 * A cs231n model whose behaviour is scripted, so that every expectation can be worked out by hand.
 * Each input row is `[label, isVal, id]`:
 * - `loss(X, y)` records the ids of the minibatch, returns `losses[i]` (default 1) and the gradient
 *   [1, 2] for W, whatever the data;
 * - `loss(X)` records the ids it scores and predicts: a training row correctly when its id is even;
 *   in the k-th validation call, the first `valCorrect[k]` rows correctly and the others wrongly.
 */
class ScriptedModel implements Cs231nModel {
  readonly params = { W: tensor([0, 0], { dtype: 'float64' }) };
  readonly batches: number[][] = [];
  readonly scored: { val: boolean; ids: number[] }[] = [];
  private valCalls = 0;

  constructor(
    private readonly valCorrect: number[] = [],
    private readonly losses: number[] = [],
  ) {}

  loss(X: Tensor, y?: Tensor): Tensor | { loss: number; grads: Record<string, Tensor> } {
    const rows = X.toArray() as number[][];
    if (y === undefined) {
      const val = rows[0]![1] === 1;
      const k = val ? (this.valCorrect[this.valCalls++] ?? rows.length) : 0;
      this.scored.push({ val, ids: rows.map((r) => r[2]!) });
      const scores = rows.map((r, i) => {
        const right = val ? i < k : r[2]! % 2 === 0;
        const predicted = right ? r[0]! : (r[0]! + 1) % 3;
        return [0, 1, 2].map((c) => (c === predicted ? 1 : 0));
      });
      return tensor(scores, { dtype: 'float64' });
    }
    this.batches.push(rows.map((r) => r[2]!));
    const loss = this.losses[this.batches.length - 1] ?? 1;
    return { loss, grads: { W: tensor([1, 2], { dtype: 'float64' }) } };
  }
}

/** `n` rows `[label, isVal, id]`, labels id mod 3, and the labels as int32. */
function split(n: number, val: boolean): { X: Tensor; y: Tensor } {
  const rows = Array.from({ length: n }, (_, id) => [id % 3, val ? 1 : 0, id]);
  return { X: tensor(rows, { dtype: 'float64' }), y: tensor(rows.map((r) => r[0]!)).to('int32') };
}

function scriptedData(nTrain: number, nVal: number) {
  const train = split(nTrain, false), val = split(nVal, true);
  return { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
}

const ids = (rows: RowIndex) => Array.from(rows instanceof Tensor ? rows.toFloat64Array() : rows);

describe('Solver semantics (cs231n solver.py)', () => {
  test('10 examples in batches of 4 make 2 iterations per epoch; accuracy is checked after iterations 1, 2, 4 and 6', async () => {
    const model = new ScriptedModel();
    const epochs: EpochInfo[] = [];
    const solver = new Solver(model, scriptedData(10, 4), {
      optimConfig: { learningRate: 1 }, batchSize: 4, numEpochs: 3, verbose: false, onEpoch: (e) => epochs.push(e),
    });
    expect(solver.iterationsPerEpoch).toBe(2);
    expect(solver.numIterations).toBe(6);
    await solver.train();
    expect(solver.lossHistory).toEqual([1, 1, 1, 1, 1, 1]);
    expect(epochs.map((e) => [e.iteration, e.epoch])).toEqual([[1, 0], [2, 1], [4, 2], [6, 3]]);
    expect(solver.trainAccHistory).toHaveLength(4);
    expect(solver.epoch).toBe(3);
  });

  test('callbacks get the running solver itself (typed SolverRun; a callback that takes a Solver still fits)', async () => {
    const seen: Solver[] = [];
    const solver = new Solver(new ScriptedModel(), scriptedData(10, 4), {
      batchSize: 4, numEpochs: 1, verbose: false,
      onIteration: (_info, s: Solver) => seen.push(s),
      onEpoch: (_info, s) => seen.push(s as Solver),
    });
    await solver.train();
    expect(seen).toHaveLength(4); // 2 iterations, 2 checks
    expect(seen.every((s) => s === solver)).toBe(true);
  });

  test('a batch larger than the training set still makes one iteration per epoch, and the first check is not repeated', async () => {
    const model = new ScriptedModel();
    manualSeed(5);
    const solver = new Solver(model, scriptedData(10, 4), { batchSize: 25, numEpochs: 3, verbose: false });
    await solver.train();
    expect(solver.iterationsPerEpoch).toBe(1);
    expect(model.batches.map((b) => b.length)).toEqual([25, 25, 25]); // drawn with replacement
    expect(solver.valAccHistory).toHaveLength(3);
  });

  test('minibatches and accuracy subsamples are drawn from the global RNG in cs231n\'s order', async () => {
    const model = new ScriptedModel();
    manualSeed(231);
    const solver = new Solver(model, scriptedData(10, 6), {
      batchSize: 3, numEpochs: 2, numTrainSamples: 4, numValSamples: 5, verbose: false,
    });
    await solver.train();
    // replay: choice(10, 3) per iteration; at each check choice(10, 4) for train, then choice(6, 5) for val
    const g = new Generator(231);
    const expectedBatches: number[][] = [];
    const expectedScored: { val: boolean; ids: number[] }[] = [];
    const expectedTrainAcc: number[] = [];
    for (let t = 0; t < 6; t++) {
      expectedBatches.push(ids(g.choice(10, 3)));
      if (t === 0 || t === 2 || t === 5) {
        const trainMask = ids(g.choice(10, 4));
        expectedScored.push({ val: false, ids: trainMask }, { val: true, ids: ids(g.choice(6, 5)) });
        expectedTrainAcc.push(trainMask.filter((id) => id % 2 === 0).length / 4);
      }
    }
    expect(model.batches).toEqual(expectedBatches);
    expect(model.scored).toEqual(expectedScored);
    expect(solver.trainAccHistory).toEqual(expectedTrainAcc);
    // and the global stream is exactly where the replay is
    expect(ids(choice(1000, 5))).toEqual(ids(g.choice(1000, 5)));
  });

  test('checkAccuracy uses every row without touching the RNG when numSamples >= N, and predicts batchSize rows at a time', () => {
    const model = new ScriptedModel();
    const data = scriptedData(10, 4);
    const solver = new Solver(model, data, { verbose: false });
    manualSeed(1);
    const acc = solver.checkAccuracy(data.XTrain, data.yTrain, { numSamples: 10, batchSize: 4 });
    expect(acc).toBe(5 / 10); // ids 0, 2, 4, 6, 8
    expect(model.scored.map((s) => s.ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(ids(choice(10, 3))).toEqual(ids(new Generator(1).choice(10, 3)));
  });

  test('checkAccuracy batches of a contiguous X are views of its values; a strided X gives the same batches', () => {
    const data = scriptedData(10, 4);
    const seen: Tensor[] = [];
    const model = new ScriptedModel();
    const scoring = model.loss.bind(model);
    model.loss = ((X: Tensor) => { seen.push(X); return scoring(X); }) as typeof model.loss;
    const solver = new Solver(model, data, { verbose: false });
    solver.checkAccuracy(data.XTrain, data.yTrain, { batchSize: 4 });
    expect(seen.map((X) => X.data.data === data.XTrain.data.data)).toEqual([true, true, true]);
    // the same rows through a non-contiguous view: copies, same ids, same accuracy
    const strided = data.XTrain.T.contiguous().T;
    expect(strided.isContiguous()).toBe(false);
    const before = model.scored.length;
    const acc = solver.checkAccuracy(strided, data.yTrain, { batchSize: 4 });
    expect(model.scored.slice(before).map((s) => s.ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(acc).toBe(5 / 10);
  });

  test('a strided X is gathered a batch at a time, never copied whole: training steps and checkAccuracy see the same rows as from its copy', async () => {
    const data = scriptedData(10, 4);
    const strided = data.XTrain.T.contiguous().T;
    const run = async (XTrain: Tensor) => {
      const model = new ScriptedModel();
      manualSeed(3);
      const solver = new Solver(model, { ...data, XTrain }, { batchSize: 3, numEpochs: 2, numTrainSamples: null, verbose: false });
      await solver.train();
      const acc = solver.checkAccuracy(XTrain, data.yTrain, { batchSize: 4 });
      return { batches: model.batches, scored: model.scored, acc };
    };
    const want = await run(data.XTrain);
    // the Solver gathers a batch into its reused buffer (indexRowsInto), never through X.index, which makes a new tensor each call
    const index = vi.spyOn(Tensor.prototype, 'index');
    try {
      expect(await run(strided)).toEqual(want);
      expect(index.mock.contexts.filter((t) => t === strided)).toHaveLength(0);
    } finally {
      index.mockRestore();
    }
    expect(want.scored.at(-1)!.ids).toEqual([8, 9]);
  });

  test('checkAccuracy: scores that are not [batch, C] are a ShapeError naming what came', () => {
    const data = scriptedData(10, 4);
    const model = new ScriptedModel();
    const scoring = model.loss.bind(model);
    model.loss = ((X: Tensor) => (scoring(X) as Tensor).reshape([-1])) as typeof model.loss; // flattened scores
    const solver = new Solver(model, data, { verbose: false });
    expect(() => solver.checkAccuracy(data.XTrain, data.yTrain, { batchSize: 4 })).toThrow(ShapeError);
    expect(() => solver.checkAccuracy(data.XTrain, data.yTrain, { batchSize: 4 }))
      .toThrow(/^Solver\.checkAccuracy: the model's scores must be \[4, C\] \(got \[\d+\]\)$/);
  });

  test('checkAccuracy subsamples with replacement, choice(N, numSamples), when N > numSamples', () => {
    const model = new ScriptedModel();
    const data = scriptedData(10, 4);
    const solver = new Solver(model, data, { verbose: false });
    manualSeed(9);
    const acc = solver.checkAccuracy(data.XTrain, data.yTrain, { numSamples: 7 });
    const mask = ids(new Generator(9).choice(10, 7));
    expect(model.scored[0]!.ids).toEqual(mask);
    expect(acc).toBe(mask.filter((id) => id % 2 === 0).length / 7);
  });

  test('lrDecay multiplies every learning rate at each epoch end; the best parameters (strictly greater val acc) are restored', async () => {
    // val accuracies 1/4, 3/4, 3/4, 2/4: best at the second check (after iteration 2); the third only ties
    const model = new ScriptedModel([1, 3, 3, 2]);
    const seen: number[][] = [];
    const solver = new Solver(model, scriptedData(10, 4), {
      updateRule: 'sgd', optimConfig: { learningRate: 1 }, lrDecay: 0.5, batchSize: 4, numEpochs: 3, verbose: false,
      onIteration: () => seen.push(ids(model.params.W)),
    });
    await solver.train();
    // learning rates 1, 1 | 0.5, 0.5 | 0.25, 0.25; dW = [1, 2]
    expect(seen).toEqual([[-1, -2], [-2, -4], [-2.5, -5], [-3, -6], [-3.25, -6.5], [-3.5, -7]]);
    expect(solver.optimConfigs.W!.learningRate).toBe(0.125);
    expect(solver.valAccHistory).toEqual([0.25, 0.75, 0.75, 0.5]);
    expect(solver.bestValAcc).toBe(0.75);
    expect(ids(solver.bestParams.W!)).toEqual([-2, -4]);
    expect(ids(model.params.W)).toEqual([-2, -4]);
  });

  test('after each update the model\'s releaseGrads (when it has one) gets the step\'s gradients; reusing them changes no number', async () => {
    const data = { XTrain: new Generator(1).randn([60, 6], { dtype: 'float64' }), yTrain: new Generator(2).randint(0, 3, [60]),
      XVal: new Generator(3).randn([20, 6], { dtype: 'float64' }), yVal: new Generator(4).randint(0, 3, [20]) };
    const make = () => {
      manualSeed(7);
      return new FullyConnectedNet([300, 250], { inputDim: 6, numClasses: 3, weightScale: 0.1, normalization: 'batchnorm', dtype: 'float64' });
    };
    const opts = { updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 10, numEpochs: 3, verbose: false } as const;
    // W2 (300 × 250) is large enough to come back as a kernel buffer
    const releasing = make();
    const released: string[][] = [];
    const release = releasing.releaseGrads.bind(releasing);
    releasing.releaseGrads = (grads) => {
      released.push(Object.keys(grads));
      release(grads);
    };
    manualSeed(11);
    const a = new Solver(releasing, data, opts);
    await a.train();
    const plain = make();
    const withoutRelease: Cs231nModel = { params: plain.params, loss: (X: Tensor, y?: Tensor) => (y === undefined ? plain.loss(X) : plain.loss(X, y)) };
    manualSeed(11);
    const b = new Solver(withoutRelease, data, opts);
    await b.train();
    expect(released).toHaveLength(18);
    expect(released[0]!.sort()).toEqual(['W1', 'W2', 'W3', 'b1', 'b2', 'b3', 'beta1', 'beta2', 'gamma1', 'gamma2']);
    expect(a.lossHistory).toEqual(b.lossHistory);
    expect(a.valAccHistory).toEqual(b.valAccHistory);
    for (const [name, p] of Object.entries(releasing.params)) {
      expect(p.toArray(), name).toEqual(plain.params[name]!.toArray());
      expect(p.grad, name).toBeNull();
    }
    expect(plain.params.W1!.grad).not.toBeNull();
  });

  test('each parameter gets its own copy of optimConfig, updated in place by the rule', async () => {
    const optimConfig = { learningRate: 0.1, momentum: 0.5 };
    const model = {
      params: { a: tensor([1], { dtype: 'float64' }), b: tensor([1], { dtype: 'float64' }) },
      loss(X: Tensor, y?: Tensor) {
        if (y === undefined) return tensor(Array.from({ length: X.shape[0]! }, () => [1, 0]), { dtype: 'float64' });
        return { loss: 1, grads: { a: tensor([1], { dtype: 'float64' }), b: tensor([-1], { dtype: 'float64' }) } };
      },
    };
    const solver = new Solver(model, scriptedData(4, 2), { updateRule: 'sgd_momentum', optimConfig, batchSize: 4, numEpochs: 2, verbose: false });
    await solver.train();
    expect(optimConfig).toEqual({ learningRate: 0.1, momentum: 0.5 });
    expect(solver.optimConfigs.a!.velocity!.toArray()).toEqual([-0.15000000000000002]);
    expect(solver.optimConfigs.b!.velocity!.toArray()).toEqual([0.15000000000000002]);
  });

  test('a NaN loss stops training with an error naming the iteration; that iteration changes nothing and the last checkpoint stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'solver-nan-'));
    const model = new ScriptedModel([], [2, 1.5, 1.25, Number.NaN, 1]);
    const solver = new Solver(model, scriptedData(10, 4), {
      optimConfig: { learningRate: 1 }, lrDecay: 0.5, batchSize: 4, numEpochs: 3, verbose: false, checkpointName: join(dir, 'run'),
    });
    const error = await solver.train().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as Error).message).toBe('Solver: loss is NaN at iteration 4 (epoch 1)');
    expect(error).toMatchObject({ iteration: 4, epoch: 1 });
    expect(solver.lossHistory).toEqual([2, 1.5, 1.25]);
    expect(ids(model.params.W)).toEqual([-2.5, -5]); // 1 + 1 + 0.5 steps: the fourth made none
    expect(readdirSync(dir).sort()).toEqual(['run_epoch_1.safetensors']);
    const last = await readCheckpoint(join(dir, 'run_epoch_1.safetensors'), 'test');
    expect(last.iteration).toBe(2);
    expect(last.lossHistory).toEqual([2, 1.5]);
    expect(ids(last.model.W!)).toEqual([-2, -4]);
  });

  test('an infinite loss is reported as such', async () => {
    const solver = new Solver(new ScriptedModel([], [1, Number.POSITIVE_INFINITY]), scriptedData(10, 4), { batchSize: 4, verbose: false });
    await expect(solver.train()).rejects.toThrow('Solver: loss is Infinity at iteration 2 (epoch 0)');
  });

  test('log lines are cs231n\'s, an iteration line every printEvery iterations', async () => {
    const lines: string[] = [];
    const solver = new Solver(new ScriptedModel([1, 2, 3, 4], [2.3409741, 2, 1.9994426, 1, 1, 1]), scriptedData(10, 4), {
      batchSize: 4, numEpochs: 3, printEvery: 2, log: (l) => lines.push(l),
    });
    await solver.train();
    expect(lines).toEqual([
      '(Iteration 1 / 6) loss: 2.340974',
      '(Epoch 0 / 3) train acc: 0.500000; val_acc: 0.250000',
      '(Epoch 1 / 3) train acc: 0.500000; val_acc: 0.500000',
      '(Iteration 3 / 6) loss: 1.999443',
      '(Epoch 2 / 3) train acc: 0.500000; val_acc: 0.750000',
      '(Iteration 5 / 6) loss: 1.000000',
      '(Epoch 3 / 3) train acc: 0.500000; val_acc: 1.000000',
    ]);
  });

  test('verbose: false and progress: none print nothing', async () => {
    const lines: string[] = [];
    await new Solver(new ScriptedModel(), scriptedData(10, 4), { batchSize: 4, verbose: false, log: (l) => lines.push(l) }).train();
    await new Solver(new ScriptedModel(), scriptedData(10, 4), { batchSize: 4, progress: 'none', log: (l) => lines.push(l) }).train();
    expect(lines).toEqual([]);
  });

  test('progress: bar draws on the given terminal, with the epoch lines above the bar', async () => {
    let out = '';
    await new Solver(new ScriptedModel(), scriptedData(10, 4), {
      batchSize: 4, numEpochs: 1, progress: 'bar', terminal: { write: (s: string) => (out += s), columns: 100 },
    }).train();
    expect(out).toContain('\r\x1b[K(Epoch 0 / 1) train acc: 0.500000; val_acc: 1.000000\n');
    expect(out).toMatch(/\r\x1b\[Kepoch 1\/1 \[█+\] 2\/2 loss 1\.000000 train 0\.500 val 1\.000 .*ETA \d+:\d\d\n$/);
    expect(out).not.toContain('(Iteration');
  });
});

describe('Solver with a module, a loss function and an optimizer', () => {
  test('each iteration is zeroGrad, forward, loss, backward, step on choice(N, batchSize); lrDecay scales every group\'s lr', async () => {
    const g = new Generator(3);
    const data = { XTrain: g.randn([20, 4], { dtype: 'float64' }), yTrain: g.randint(0, 3, [20]), XVal: g.randn([8, 4], { dtype: 'float64' }), yVal: g.randint(0, 3, [8]) };
    const make = () => {
      const m = new Sequential(new Linear(4, 3, { dtype: 'float64' }));
      m.loadStateDict({ '0.weight': new Generator(1).randn([3, 4], { dtype: 'float64' }), '0.bias': new Generator(2).randn([3], { dtype: 'float64' }) });
      return m;
    };
    const module = make();
    const optimizer = new SGD(module.parameters(), { lr: 0.1, momentum: 0.9 });
    manualSeed(11);
    const solver = new Solver({ module, lossFn: crossEntropy, optimizer }, data, {
      batchSize: 5, numEpochs: 2, lrDecay: 0.5, numTrainSamples: null, verbose: false,
    });
    await solver.train();
    expect(optimizer.paramGroups[0]!.lr).toBe(0.025);

    // the same loop by hand
    const ref = make();
    const refOpt = new SGD(ref.parameters(), { lr: 0.1, momentum: 0.9 });
    const rng = new Generator(11);
    const losses: number[] = [];
    for (let t = 0; t < 8; t++) {
      const mask = rng.choice(20, 5);
      refOpt.zeroGrad();
      const loss = crossEntropy(ref.forward(data.XTrain.index(mask)), data.yTrain.index(mask));
      losses.push(loss.item());
      loss.backward();
      refOpt.step();
      if ((t + 1) % 4 === 0) refOpt.paramGroups[0]!.lr *= 0.5;
    }
    expect(solver.lossHistory).toEqual(losses);
    expect(solver.valAccHistory).toHaveLength(3);
    // the module ends with its best parameters
    for (const [name, p] of module.namedParameters()) expect(ids(p), name).toEqual(ids(solver.bestParams[name]!));
  });

  test('updateRule and optimConfig are refused with a module setup', () => {
    const module = new Sequential(new Linear(3, 3, { dtype: 'float64' }));
    const setup = { module, lossFn: crossEntropy, optimizer: new SGD(module.parameters(), { lr: 0.1 }) };
    expect(() => new Solver(setup, scriptedData(4, 2), { updateRule: 'adam' } as object)).toThrow(TypeError);
  });
});

describe('Solver options and data are checked', () => {
  const data = scriptedData(10, 4);
  test.each([
    [{ batchSize: 0 }, RangeError, 'Solver: batchSize must be an integer >= 1 (got 0)'],
    [{ numEpochs: 1.5 }, RangeError, 'Solver: numEpochs must be an integer >= 1 (got 1.5)'],
    [{ lrDecay: Number.NaN }, RangeError, 'Solver: lrDecay must be a finite number >= 0 (got NaN)'],
    [{ numValSamples: -1 }, RangeError, 'Solver: numValSamples must be an integer >= 1 (got -1)'],
    [{ updateRule: 'adagrad' }, RangeError, 'Solver: updateRule must be one of sgd, sgd_momentum, rmsprop, adam'],
    [{ optimConfig: { learning_rate: 1e-3 } }, TypeError, "unknown config key 'learning_rate'"],
    [{ print_every: 10 }, TypeError, "Solver: unknown option 'print_every'"],
    [{ progress: 'fancy' }, RangeError, 'Solver: progress must be one of auto, bar, lines, none'],
    [{ checkpointName: '' }, TypeError, 'Solver: checkpointName must be a non-empty string or null'],
  ])('%o is refused', (opts, kind, message) => {
    expect(() => new Solver(new ScriptedModel(), data, opts as object)).toThrow(kind);
    expect(() => new Solver(new ScriptedModel(), data, opts as object)).toThrow(message);
  });

  test('labels must be int32 with one per row', () => {
    expect(() => new Solver(new ScriptedModel(), { ...data, yTrain: data.yTrain.to('float64') })).toThrow('Solver: data.yTrain must hold int32 class indices (got float64)');
    expect(() => new Solver(new ScriptedModel(), { ...data, yVal: data.yTrain })).toThrow('Solver: data.yVal must be [4], one label per row of data.XVal (got [10])');
  });

  test('a model without loss, or loss(X, y) without a gradient, is refused', async () => {
    expect(() => new Solver({ params: {} } as unknown as Cs231nModel, data)).toThrow(TypeError);
    const broken = { params: { W: tensor([0], { dtype: 'float64' }) }, loss: () => ({ loss: 1, grads: {} }) };
    await expect(new Solver(broken, data, { verbose: false }).train()).rejects.toThrow('Solver: model.loss(X, y) returned no gradient for parameter W');
  });
});

