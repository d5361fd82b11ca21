import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Generator, manualSeed, randn, tensor, type Tensor } from '@tapegrad/core';
import { BatchNorm1d, FullyConnectedNet, Linear, ReLU, Sequential, crossEntropy, encodeSafetensors, parseSafetensors, save } from '@tapegrad/nn';
import { Adam, CheckpointError, Solver, type SolverData, type SolverOptions } from '@tapegrad/optim';
import { readCheckpoint } from './checkpointFile.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

function randomData(seed: number): SolverData {
  const g = new Generator(seed);
  return { XTrain: g.randn([60, 6]), yTrain: g.randint(0, 3, [60]), XVal: g.randn([20, 6]), yVal: g.randint(0, 3, [20]) };
}

/** Everything a run ends with, as plain numbers. */
function outcome(solver: Solver, state: Record<string, Tensor>) {
  return {
    lossHistory: solver.lossHistory,
    trainAccHistory: solver.trainAccHistory,
    valAccHistory: solver.valAccHistory,
    bestValAcc: solver.bestValAcc,
    epoch: solver.epoch,
    iteration: solver.iteration,
    state: Object.fromEntries(Object.entries(state).map(([k, t]) => [k, Array.from(t.toFloat64Array())])),
    best: Object.fromEntries(Object.entries(solver.bestParams).map(([k, t]) => [k, Array.from(t.toFloat64Array())])),
  };
}

/** Thrown from onEpoch to stop a run right after a checkpoint, as a crash would. */
class Stop extends Error {}

const fcOptions: SolverOptions = {
  updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, lrDecay: 0.9, batchSize: 10, numEpochs: 4,
  numTrainSamples: 30, numValSamples: 10, verbose: false,
};
const fcModel = () => new FullyConnectedNet([12, 12], { inputDim: 6, numClasses: 3, weightScale: 0.1, normalization: 'batchnorm' });

describe('Solver checkpoints and resume', () => {
  test('a FullyConnectedNet run stopped after epoch 2 and resumed ends exactly as an uninterrupted run', async () => {
    const data = randomData(1);
    manualSeed(0);
    const fullModel = fcModel();
    const full = new Solver(fullModel, data, fcOptions);
    await full.train();

    const checkpointName = join(tmp('solver-fc-'), 'run');
    manualSeed(0);
    const first = new Solver(fcModel(), data, {
      ...fcOptions, checkpointName, onEpoch: (e) => { if (e.epoch === 2) throw new Stop(); },
    });
    await expect(first.train()).rejects.toBeInstanceOf(Stop);
    expect(await Solver.latestCheckpoint(checkpointName)).toBe(`${checkpointName}_epoch_2.safetensors`);

    randn([17]); // the global RNG moves on; resume must put it back
    const resumedModel = fcModel();
    const resumed = await Solver.resume(`${checkpointName}_epoch_2.safetensors`, resumedModel, data);
    expect(resumed.iteration).toBe(12);
    expect(resumed.optimConfigs.W1!.t).toBe(12);
    expect(resumed.optimConfigs.W1!.learningRate).toBe(1e-2 * 0.9 * 0.9);
    await resumed.train();
    expect(outcome(resumed, resumedModel.stateDict())).toEqual(outcome(full, fullModel.stateDict()));
    expect(full.lossHistory).toHaveLength(24);
    // it went on writing checkpoints beside the one it came from
    expect(await Solver.latestCheckpoint(checkpointName)).toBe(`${checkpointName}_epoch_4.safetensors`);
  });

  test('a module setup (Adam, BatchNorm1d) stopped and resumed ends exactly as an uninterrupted run', async () => {
    const data = randomData(2);
    const make = () => {
      manualSeed(5);
      const module = new Sequential(new Linear(6, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 3));
      return { module, lossFn: crossEntropy, optimizer: new Adam(module.parameters(), { lr: 1e-2 }) };
    };
    const opts = { batchSize: 10, numEpochs: 3, lrDecay: 0.5, numTrainSamples: 25, verbose: false };
    const fullSetup = make();
    manualSeed(7);
    const full = new Solver(fullSetup, data, opts);
    await full.train();

    const checkpointName = join(tmp('solver-module-'), 'run');
    const firstSetup = make();
    manualSeed(7);
    const first = new Solver(firstSetup, data, { ...opts, checkpointName, onEpoch: (e) => { if (e.epoch === 1) throw new Stop(); } });
    await expect(first.train()).rejects.toBeInstanceOf(Stop);

    const resumedSetup = make();
    const resumed = await Solver.resume(`${checkpointName}_epoch_1.safetensors`, resumedSetup, data);
    expect(resumedSetup.optimizer.paramGroups[0]!.lr).toBe(5e-3);
    await resumed.train();
    expect(outcome(resumed, resumedSetup.module.stateDict())).toEqual(outcome(full, fullSetup.module.stateDict()));
    expect(resumedSetup.optimizer.stateDict()).toEqual(fullSetup.optimizer.stateDict());
  });

  test('the checkpoint is one safetensors file: model, best params and optimizer buffers as tensors, the rest as JSON metadata', async () => {
    const checkpointName = join(tmp('solver-format-'), 'run');
    manualSeed(0);
    const solver = new Solver(fcModel(), randomData(1), { ...fcOptions, numEpochs: 1, checkpointName });
    await solver.train();
    const { tensors, metadata } = parseSafetensors(readFileSync(`${checkpointName}_epoch_1.safetensors`));
    expect(metadata!.format).toBe('tapegrad.solver');
    expect(metadata!.version).toBe('1');
    const names = Object.keys(tensors);
    expect(names).toContain('model.W1');
    expect(names).toContain('model.running_mean1');
    expect(names).toContain('optimizer.W1.m');
    expect(names).toContain('optimizer.gamma2.v');
    expect(names).toContain('bestParams.b3');
    const json = JSON.parse(metadata!.solver!);
    expect(json.optimizer.W1).toMatchObject({ learningRate: 1e-2 * 0.9, beta1: 0.9, t: 6, m: { $tensor: 'optimizer.W1.m' } });
    expect(json).toMatchObject({ kind: 'cs231n', epoch: 1, iteration: 6, options: { updateRule: 'adam', batchSize: 10 } });
    expect(json.lossHistory).toEqual(solver.lossHistory);
    expect(json.rng.key).toHaveLength(624);
  });

  describe('a checkpoint that does not fit is refused, and nothing changes', () => {
    let path = '';
    const data = randomData(1);
    const prepare = async () => {
      if (path) return path;
      const checkpointName = join(tmp('solver-bad-'), 'run');
      manualSeed(0);
      await new Solver(fcModel(), data, { ...fcOptions, numEpochs: 1, checkpointName }).train();
      path = `${checkpointName}_epoch_1.safetensors`;
      return path;
    };

    test('a model of other shapes', async () => {
      const model = new FullyConnectedNet([12, 13], { inputDim: 6, numClasses: 3, normalization: 'batchnorm' });
      const before = model.params.W1!.toFloat64Array();
      const error = await Solver.resume(await prepare(), model, data).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(/^Solver\.resume: .*run_epoch_1\.safetensors: the model does not fit the checkpoint: .*W2: expected \[12, 13\] \(got \[12, 12\]\)/);
      expect(model.params.W1!.toFloat64Array()).toEqual(before);
    });

    test('a module setup for a cs231n checkpoint', async () => {
      const module = new Sequential(new Linear(6, 3));
      const setup = { module, lossFn: crossEntropy, optimizer: new Adam(module.parameters()) };
      await expect(Solver.resume(await prepare(), setup, data)).rejects.toThrow(/the checkpoint is of a cs231n model \(got a \{ module, lossFn, optimizer \} setup\)/);
    });

    test('a training set with another number of iterations per epoch', async () => {
      const small = { ...data, XTrain: data.XTrain.index([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), yTrain: data.yTrain.index([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) };
      await expect(Solver.resume(await prepare(), fcModel(), small)).rejects.toThrow(/has 1 iterations per epoch/);
    });

    test('an option the checkpoint fixes', async () => {
      await expect(Solver.resume(await prepare(), fcModel(), data, { batchSize: 20 } as object)).rejects.toThrow('Solver.resume: batchSize is fixed by the checkpoint and cannot be given');
    });

    test('a truncated file, a file that is not a checkpoint, a missing file', async () => {
      const dir = tmp('solver-corrupt-');
      const bytes = readFileSync(await prepare());
      writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 100));
      await expect(Solver.resume(join(dir, 'cut.safetensors'), fcModel(), data)).rejects.toThrow(/cut\.safetensors: not a valid safetensors file/);
      await save({ w: tensor([1]) }, join(dir, 'plain.safetensors'));
      await expect(Solver.resume(join(dir, 'plain.safetensors'), fcModel(), data)).rejects.toThrow(/not a Solver checkpoint/);
      await expect(Solver.resume(join(dir, 'missing.safetensors'), fcModel(), data)).rejects.toBeInstanceOf(CheckpointError);
    });

    test('metadata that is edited: a __proto__ key, a history of the wrong length, a tensor missing', async () => {
      const dir = tmp('solver-edited-');
      const { tensors, metadata } = parseSafetensors(readFileSync(await prepare()));
      const json = JSON.parse(metadata!.solver!);
      const write = async (name: string, solver: string, t: Record<string, Tensor> = tensors) => {
        writeFileSync(join(dir, name), encodeSafetensors(t, { metadata: { ...metadata!, solver } }));
        return readCheckpoint(join(dir, name), 'test');
      };
      await expect(write('proto.safetensors', metadata!.solver!.replace('{', '{"__proto__":{"polluted":1},'))).rejects.toThrow(/the key '__proto__' is not allowed/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await expect(write('history.safetensors', JSON.stringify({ ...json, lossHistory: json.lossHistory.slice(1) }))).rejects.toThrow('lossHistory must hold one loss per iteration (6; got 5)');
      const { 'model.W1': _dropped, ...rest } = tensors;
      await expect(write('missing.safetensors', metadata!.solver!, rest)).rejects.toThrow("the tensor 'model.W1' the metadata refers to is not in the file");
      await expect(write('ok.safetensors', metadata!.solver!)).resolves.toMatchObject({ epoch: 1 });
    });
  });
});

describe('Solver checkpoints as bytes: checkpointBytes and resumeFromBytes', () => {
  const moduleSetup = () => {
    manualSeed(5);
    const module = new Sequential(new Linear(6, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 3));
    return { module, lossFn: crossEntropy, optimizer: new Adam(module.parameters(), { lr: 1e-2 }) };
  };

  test('from onEpoch, the bytes are those of the file the epoch end writes', async () => {
    const checkpointName = join(tmp('solver-bytes-file-'), 'run');
    const compared: [number, boolean][] = [];
    manualSeed(0);
    const solver = new Solver(fcModel(), randomData(1), {
      ...fcOptions, checkpointName,
      onEpoch: (info, run) => { if (info.checkpoint !== null) compared.push([info.epoch, Buffer.from(run.checkpointBytes()).equals(readFileSync(info.checkpoint))]); },
    });
    await solver.train();
    expect(compared).toEqual([[1, true], [2, true], [3, true], [4, true]]);
  });

  test('a FullyConnectedNet run saved as bytes after epoch 2 and resumed from them ends exactly as an uninterrupted run', async () => {
    const data = randomData(1);
    const saved = new Map<number, Uint8Array>();
    manualSeed(0);
    const fullModel = fcModel();
    const full = new Solver(fullModel, data, { ...fcOptions, onEpoch: (info, run) => saved.set(info.epoch, run.checkpointBytes()) });
    await full.train();
    expect([...saved.keys()]).toEqual([0, 1, 2, 3, 4]);

    randn([17]); // the global RNG moves on; resuming must put it back
    const resumedModel = fcModel();
    const resumed = Solver.resumeFromBytes(saved.get(2)!, resumedModel, data);
    expect([resumed.epoch, resumed.iteration, resumed.checkpointName]).toEqual([2, 12, null]);
    expect(resumed.optimConfigs.W1!.t).toBe(12);
    await resumed.train();
    expect(outcome(resumed, resumedModel.stateDict())).toEqual(outcome(full, fullModel.stateDict()));
  });

  test('a module setup (Adam, BatchNorm1d) saved as bytes and resumed from them ends exactly as an uninterrupted run', async () => {
    const data = randomData(2);
    const opts = { batchSize: 10, numEpochs: 3, lrDecay: 0.5, numTrainSamples: 25, verbose: false };
    const saved: Uint8Array[] = [];
    const fullSetup = moduleSetup();
    manualSeed(7);
    const full = new Solver(fullSetup, data, { ...opts, onEpoch: (info, run) => { if (info.epoch === 1) saved.push(run.checkpointBytes()); } });
    await full.train();

    const resumedSetup = moduleSetup();
    const resumed = Solver.resumeFromBytes(saved[0]!, resumedSetup, data);
    expect(resumedSetup.optimizer.paramGroups[0]!.lr).toBe(5e-3);
    await resumed.train();
    expect(outcome(resumed, resumedSetup.module.stateDict())).toEqual(outcome(full, fullSetup.module.stateDict()));
    expect(resumedSetup.optimizer.stateDict()).toEqual(fullSetup.optimizer.stateDict());
  });

  test('bytes taken in onIteration between two epoch ends resume exactly; at an epoch end\'s iteration they are refused', async () => {
    const data = randomData(3);
    const taken: Record<number, Uint8Array | Error> = {};
    manualSeed(0);
    const fullModel = fcModel();
    const full = new Solver(fullModel, data, {
      ...fcOptions,
      onIteration: (info, run) => {
        if (info.iteration !== 8 && info.iteration !== 12) return;
        try { taken[info.iteration] = run.checkpointBytes(); } catch (e) { taken[info.iteration] = e as Error; }
      },
    });
    await full.train();
    // iteration 12 ends epoch 2: its learning-rate decay and accuracy check come after onIteration
    expect(taken[12]).toBeInstanceOf(CheckpointError);
    expect((taken[12] as Error).message).toBe(
      'Solver.checkpointBytes: the run is in the middle of an iteration (iteration 12 ends epoch 2, which has not ended yet); take checkpoints from onEpoch or between train() calls',
    );
    const resumedModel = fcModel();
    const resumed = Solver.resumeFromBytes(taken[8] as Uint8Array, resumedModel, data);
    expect([resumed.epoch, resumed.iteration]).toEqual([1, 8]);
    await resumed.train();
    expect(outcome(resumed, resumedModel.stateDict())).toEqual(outcome(full, fullModel.stateDict()));
  });

  describe('hostile bytes are a CheckpointError, and the model is left as it was', () => {
    const data = randomData(1);
    let good: Uint8Array | null = null;
    const goodBytes = async () => {
      if (good) return good;
      manualSeed(0);
      const solver = new Solver(fcModel(), data, { ...fcOptions, numEpochs: 1 });
      await solver.train();
      good = solver.checkpointBytes();
      return good;
    };
    /** Resumes a fresh model from `bytes`; returns the error and whether the model kept its values. */
    const refuse = (bytes: Uint8Array, model = fcModel()) => {
      const before = model.stateDict().W1!.toFloat64Array();
      let error: unknown = null;
      try {
        Solver.resumeFromBytes(bytes, model, data);
      } catch (e) {
        error = e;
      }
      expect(model.stateDict().W1!.toFloat64Array()).toEqual(before);
      return error as Error;
    };
    const edited = async (edit: (json: Record<string, unknown>) => unknown, drop?: string) => {
      const { tensors, metadata } = parseSafetensors(await goodBytes());
      const kept = Object.fromEntries(Object.entries(tensors).filter(([name]) => name !== drop));
      return encodeSafetensors(kept, { metadata: { ...metadata!, solver: JSON.stringify(edit(JSON.parse(metadata!.solver!))) } });
    };

    test('what is not a Uint8Array is a TypeError', () => {
      expect(() => Solver.resumeFromBytes('run_epoch_1.safetensors' as unknown as Uint8Array, fcModel(), data)).toThrow(
        new TypeError("Solver.resumeFromBytes: bytes must be a Uint8Array (got 'run_epoch_1.safetensors')"),
      );
    });

    test('no bytes, random bytes, truncated bytes and a header that claims more than there is', async () => {
      const bytes = await goodBytes();
      const random = new Uint8Array(4096);
      const g = new Generator(9).randint(0, 256, [4096]).toFloat64Array();
      random.set(g);
      const lying = bytes.slice();
      new DataView(lying.buffer).setBigUint64(0, BigInt(bytes.length), true);
      for (const bad of [new Uint8Array(0), random, bytes.subarray(0, 100), bytes.subarray(0, bytes.length - 1), lying]) {
        const error = refuse(bad);
        expect(error).toBeInstanceOf(CheckpointError);
        expect(error.message).toMatch(/^Solver\.resumeFromBytes: not a valid safetensors file \(/);
      }
    });

    test('a safetensors file that is not a Solver checkpoint', () => {
      const error = refuse(encodeSafetensors({ w: tensor([1]) }, { metadata: { format: 'pt' } }));
      expect(error).toBeInstanceOf(CheckpointError);
      expect(error.message).toBe("Solver.resumeFromBytes: not a Solver checkpoint (its metadata has no format 'tapegrad.solver')");
    });

    test('edited metadata: a __proto__ key, deep nesting, a history of the wrong length, histories that do not fit the counters, a tensor missing', async () => {
      const cases: [Uint8Array, string | RegExp][] = [
        [await edited((j) => ({ ...j, rng: { ...(j.rng as object), ['__proto__']: { polluted: 1 } } })), "the key '__proto__' is not allowed"],
        [await edited((j) => ({ ...j, extra: JSON.parse('['.repeat(100) + ']'.repeat(100)) })), 'must nest at most 64 levels deep'],
        [await edited((j) => ({ ...j, lossHistory: (j.lossHistory as number[]).slice(1) })), 'lossHistory must hold one loss per iteration (6; got 5)'],
        [await edited((j) => ({ ...j, trainAccHistory: [0.5], valAccHistory: [0.5] })), "the checkpoint's run does not hold together (after iteration 6 the run has made 2 accuracy checks (got 1))"],
        [await edited((j) => ({ ...j, epoch: 0 })), 'iteration 6 ends epoch 0 of the checkpointed run'],
        [await edited((j) => j, 'model.W1'), "the tensor 'model.W1' the metadata refers to is not in the file"],
        [await edited((j) => {
          const optimizer = j.optimizer as Record<string, object>;
          return { ...j, optimizer: { ...optimizer, W1: { ...optimizer.W1, learningRate: 'fast' } } };
        }), "learningRate of the optim config of W1 must be a finite number (got 'fast')"],
      ];
      for (const [bytes, message] of cases) {
        const error = refuse(bytes);
        expect(error, String(message)).toBeInstanceOf(CheckpointError);
        expect(error.message.startsWith('Solver.resumeFromBytes: '), error.message).toBe(true);
        expect(error.message).toContain(message);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    test('bytes of another model, or of a cs231n model for a module setup', async () => {
      const other = refuse(await goodBytes(), new FullyConnectedNet([12, 13], { inputDim: 6, numClasses: 3, normalization: 'batchnorm' }));
      expect(other).toBeInstanceOf(CheckpointError);
      expect(other.message).toMatch(/^Solver\.resumeFromBytes: the model does not fit the checkpoint: .*W2: expected \[12, 13\] \(got \[12, 12\]\)/);
      expect(() => Solver.resumeFromBytes(good!, moduleSetup(), data)).toThrow(
        new CheckpointError('Solver.resumeFromBytes: the checkpoint is of a cs231n model (got a { module, lossFn, optimizer } setup)'),
      );
    });

    test('the good bytes themselves are accepted, so the refusals above are the edits\'', async () => {
      expect(Solver.resumeFromBytes(await goodBytes(), fcModel(), data).iteration).toBe(6);
    });
  });
});
