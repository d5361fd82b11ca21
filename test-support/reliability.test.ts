/**
 * Issue 9's guarantees where they span packages, beyond the tests beside each package's code:
 * anomaly mode names the op and where it was created in a backward pass, in a fused op and in a
 * real training run; the Solver stops a diverging run of a real model at the first non-finite loss
 * with nothing of that iteration applied; a hostile checkpoint is refused with CheckpointError.
 * @module
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { AnomalyError, Generator, detectAnomaly, manualSeed, ones, setAnomalyDetection, tensor, type Tensor } from '@tapegrad/core';
import { FullyConnectedNet, batchNormFused, encodeSafetensors, parseSafetensors } from '@tapegrad/nn';
import { CheckpointError, NonFiniteLossError, Solver, type SolverData } from '@tapegrad/optim';

afterEach(() => setAnomalyDetection(false));

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const g = new Generator(5);
const data = (): SolverData => ({ XTrain: g.randn([40, 6]), yTrain: g.randint(0, 3, [40]), XVal: g.randn([10, 6]), yVal: g.randint(0, 3, [10]) });
const values = (params: Readonly<Record<string, Tensor>>) => Object.values(params).flatMap((t) => Array.from(t.toFloat64Array()));

describe('anomaly mode', () => {
  test('a backward that makes a NaN names the op, the gradient, the shapes and where the op was created', () => {
    const x = tensor([[4, 0, 9]], { dtype: 'float64', requiresGrad: true });
    const error = thrownBy(() => detectAnomaly(() => x.sqrt().mul(0).sum().backward()));
    expect(error).toBeInstanceOf(AnomalyError);
    const message = (error as Error).message;
    // d√x at 0 is 1/(2·0) = Infinity, times the upstream 0: NaN, from a finite gradient
    expect(message).toMatch(/^sqrt\.backward: produced NaN at flat index 1 of \[1, 3\] from finite values \(gradient 0 of inputs \[1, 3\]\)/);
    expect(message).toMatch(/created at\n {4}.*reliability\.test\.ts/);
  });

  test('a fused op with a handwritten backward is checked like any op', () => {
    // a constant column has variance 0; with eps 0 its normalized value is 0 · Infinity
    const x = tensor([[1, 2], [1, 3], [1, 5]], { dtype: 'float64' });
    const error = thrownBy(() => detectAnomaly(() => batchNormFused(x, ones([2], { dtype: 'float64' }), null, { training: true, eps: 0 })));
    expect(error).toBeInstanceOf(AnomalyError);
    expect((error as Error).message).toMatch(/^batchNorm\.forward: produced NaN at flat index 0 of \[3, 2\] from finite values \(inputs \[3, 2\], \[2\]\)/);
    expect((error as Error).message).toContain('reliability.test.ts');
  });
});

describe('a diverging training run', () => {
  /** A FullyConnectedNet trained by sgd at a learning rate that overflows float32 within a few steps. */
  const diverging = (onIteration?: () => void) => {
    manualSeed(3);
    const model = new FullyConnectedNet([20, 20], { inputDim: 6, numClasses: 3, weightScale: 1 });
    const solver = new Solver(model, data(), {
      updateRule: 'sgd', optimConfig: { learningRate: 1e12 }, batchSize: 8, numEpochs: 5, verbose: false, onIteration,
    });
    return { model, solver };
  };

  test('the Solver stops at the first non-finite loss, naming the iteration, with nothing of it applied', async () => {
    let after: number[] = [];
    let lastFinite = 0;
    const { model, solver } = diverging(() => {
      lastFinite++;
      after = values(model.params);
    });
    const error = await solver.train().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const { iteration, epoch } = error as NonFiniteLossError;
    expect((error as Error).message).toMatch(new RegExp(`^Solver: loss is (NaN|Infinity) at iteration ${iteration} \\(epoch ${epoch}\\)$`));
    expect(iteration).toBe(lastFinite + 1);
    expect(iteration).toBeGreaterThan(1);
    expect(solver.lossHistory).toHaveLength(lastFinite);
    expect(solver.lossHistory.every(Number.isFinite)).toBe(true);
    // the parameters are those after the last finite iteration
    expect(values(model.params)).toEqual(after);
  });

  test('in anomaly mode the same run stops at the first op that made a NaN or Infinity, inside the model', async () => {
    const { solver } = diverging();
    setAnomalyDetection(true);
    const error = await solver.train().then(() => null, (e: unknown) => e);
    setAnomalyDetection(false);
    expect(error).toBeInstanceOf(AnomalyError);
    const message = (error as Error).message;
    expect(message).toMatch(/^\w+\.(forward|backward): produced (NaN|-?Infinity) at flat index \d+ of \[[\d, ]*\] from finite values \(/);
    expect(message).toMatch(/created at\n {4}.*packages[/\\]nn[/\\]src[/\\]/);
  });
});

describe('a hostile checkpoint', () => {
  test('metadata nested deep enough to overflow the stack is refused with CheckpointError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-hostile-checkpoint-'));
    const make = () => new FullyConnectedNet([5], { inputDim: 6, numClasses: 3 });
    const d = data();
    await new Solver(make(), d, { numEpochs: 1, batchSize: 8, verbose: false, checkpointName: join(dir, 'run') }).train();
    const { tensors, metadata } = parseSafetensors(readFileSync(join(dir, 'run_epoch_1.safetensors')));
    for (const depth of [100, 2000, 2500, 10_000, 1_000_000]) {
      const solver = `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const file = join(dir, `deep_${depth}.safetensors`);
      writeFileSync(file, encodeSafetensors(tensors, { metadata: { ...metadata!, solver } }));
      const error = await Solver.resume(file, make(), d).then(() => null, (e: unknown) => e);
      expect(error, `depth ${depth}: ${String(error)}`).toBeInstanceOf(CheckpointError);
      expect((error as Error).message, `depth ${depth}`).toMatch(new RegExp(`^Solver\\.resume: .*deep_${depth}\\.safetensors: `));
      expect((error as Error).message, `depth ${depth}`).toMatch(/: the solver metadata (must nest at most 64 levels deep|is not valid JSON)/);
    }
  });
});
