import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Generator, manualSeed } from '@tapegrad/core';
import { Linear, ReLU, Sequential, crossEntropy } from '@tapegrad/nn';
import { Adam, CheckpointError, Solver, type SolverData } from '@tapegrad/optim';
import { withoutBuiltins } from '@tapegrad/test-support/platform';

const offNode = 'Node.js 20.16 or later, for checkpoint files (got a runtime without process.getBuiltinModule, such as a browser); '
  + 'solver.checkpointBytes() gives a checkpoint as bytes and Solver.resumeFromBytes(...) resumes from them';

function setup() {
  const module = new Sequential(new Linear(6, 8), new ReLU(), new Linear(8, 3));
  return { module, lossFn: crossEntropy, optimizer: new Adam(module.parameters(), { lr: 1e-2 }) };
}

function randomData(seed: number): SolverData {
  const g = new Generator(seed);
  return { XTrain: g.randn([30, 6]), yTrain: g.randint(0, 3, [30]), XVal: g.randn([10, 6]), yVal: g.randint(0, 3, [10]) };
}

describe('checkpoint files off Node (a browser, or Node before 20.16: no process.getBuiltinModule)', () => {
  test('writing one during train rejects naming checkpointBytes, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-offnode-'));
    const checkpointName = join(dir, 'run');
    manualSeed(0);
    const solver = new Solver(setup(), randomData(1), { numEpochs: 1, batchSize: 10, checkpointName, verbose: false });
    const error = await withoutBuiltins(() => solver.train().catch((e: unknown) => e));
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toBe(`Solver.train: ${checkpointName}_epoch_1.safetensors: ${offNode}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('resume and latestCheckpoint reject naming resumeFromBytes', async () => {
    const path = join(tmpdir(), 'run_epoch_1.safetensors');
    const resumed = await withoutBuiltins(() => Solver.resume(path, setup(), randomData(1)).catch((e: unknown) => e));
    expect(resumed).toBeInstanceOf(CheckpointError);
    expect((resumed as Error).message).toBe(`Solver.resume: ${path}: ${offNode}`);
    const latest = await withoutBuiltins(() => Solver.latestCheckpoint(join(tmpdir(), 'run')).catch((e: unknown) => e));
    expect(latest).toBeInstanceOf(CheckpointError);
    expect((latest as Error).message).toBe(`Solver.latestCheckpoint: ${offNode}`);
  });
});
