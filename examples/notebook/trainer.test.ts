import { describe, expect, it } from 'vitest';
import { Generator } from '@tapegrad/core';
import { requireBuilt } from '../test-utils/paths.js';
import { createTrainer } from './trainer.js';
import { iterationsOf, type RunResult, type RunSpec, type TrainingArrays, type TrainingTask } from './training.js';

/** Small images [3, 4, 4] in 10 classes: a class-dependent mean plus noise. */
function arrays(): TrainingArrays {
  const g = new Generator(7);
  const rowSize = 48;
  const make = (n: number) => {
    const y = Int32Array.from(g.randint(0, 10, [n]).toFloat64Array());
    const noise = g.randn([n, rowSize]).toFloat64Array();
    const X = Float32Array.from({ length: n * rowSize }, (_, k) => noise[k]! + Math.sin(y[Math.floor(k / rowSize)]! * (k % rowSize)));
    return { X, y };
  };
  const [train, val] = [make(120), make(40)];
  return { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y, rowSize, imageShape: [3, 4, 4] };
}

const run = (key: string, over: Partial<RunSpec>): RunSpec => ({
  key, hiddenDims: [16, 16], normalization: null, weightScale: 5e-2, reg: 0, numTrain: 120, numVal: 40,
  numEpochs: 2, batchSize: 20, learningRate: 1e-3, printEvery: 3, verbose: true, ...over,
});
const tasks: TrainingTask[] = [
  { seed: 231, runs: [run('bn', { normalization: 'batchnorm' }), run('plain', {})] },
  { seed: 231, runs: [run('ln-small-batch', { normalization: 'layernorm', batchSize: 7 })] },
  { seed: 5, runs: [run('scale', { weightScale: 1, normalization: 'batchnorm', numEpochs: 3 })] },
];
const withoutTimes = (rs: RunResult[][]) => rs.map((r) => r.map(({ seconds: _s, ...rest }) => rest));
const quiet = { write: () => true, isTTY: false };

describe('the training pool', () => {
  it('gives the serial run\'s results, number for number, whatever order the workers finish in', async () => {
    requireBuilt();
    const serial = createTrainer({ workers: 0, arrays: async () => arrays(), progress: quiet });
    const pooled = createTrainer({ workers: 2, arrays: async () => arrays(), progress: quiet });
    try {
      const a = await serial.runTasks('serial', tasks);
      const b = await pooled.runTasks('pool', tasks);
      expect(withoutTimes(b)).toEqual(withoutTimes(a));
      // the histories have the Solver's lengths: one loss per iteration, one accuracy per epoch plus the first check
      const first = a[0]![0]!;
      expect(first.lossHistory).toHaveLength(iterationsOf(tasks[0]!.runs[0]!));
      expect(first.trainAccHistory).toHaveLength(3);
      expect(first.log[0]).toMatch(/^\(Iteration 1 \/ 12\) loss: \d\.\d{6}$/);
      // and a second serial run repeats the first: every task reseeds
      expect(withoutTimes(await serial.runTasks('again', tasks))).toEqual(withoutTimes(a));
    } finally {
      await serial.close();
      await pooled.close();
    }
  }, 120_000);

  it('runs prefetched tasks ahead and hands their results to the runTasks that asks for them', async () => {
    requireBuilt();
    const serial = createTrainer({ workers: 0, arrays: async () => arrays(), progress: quiet });
    const pooled = createTrainer({ workers: 2, arrays: async () => arrays(), progress: quiet });
    const lines: string[] = [];
    const logged = createTrainer({ workers: 2, arrays: async () => arrays(), progress: { write: (l: string) => lines.push(l) > 0, isTTY: false } });
    try {
      const expected = withoutTimes(await serial.runTasks('serial', tasks));
      serial.prefetch?.('serial', tasks); // without workers: nothing to queue, and runTasks still runs them
      expect(withoutTimes(await serial.runTasks('serial', tasks))).toEqual(expected);

      pooled.prefetch!('first', tasks.slice(0, 2));
      pooled.prefetch!('second', tasks.slice(2));
      pooled.prefetch!('never asked for', tasks.slice(1, 2));
      expect(withoutTimes(await pooled.runTasks('second', tasks.slice(2)))).toEqual(expected.slice(2));
      expect(withoutTimes(await pooled.runTasks('first', tasks.slice(0, 2)))).toEqual(expected.slice(0, 2));
      // other tasks under a prefetched label are not taken for the prefetched ones
      expect(withoutTimes(await pooled.runTasks('first', tasks.slice(2)))).toEqual(expected.slice(2));

      // the progress log counts every training of a prefetched batch, also those done before it was asked for
      logged.prefetch!('batch', tasks);
      await new Promise((r) => setTimeout(r, 2000));
      await logged.runTasks('batch', tasks);
      expect(lines.filter((l) => l.startsWith('batch: ') && l.includes('trainings done'))).toHaveLength(4);
    } finally {
      await serial.close();
      await pooled.close(); // with 'never asked for' still queued or done: no unhandled rejection
      await logged.close();
    }
  }, 120_000);
});
