import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Piscina } from 'piscina';
import { describe, expect, it, vi } from 'vitest';
import { Generator } from '@tapegrad/core';
import { builtMain, examplesDir, requireBuilt } from '../test-utils/paths.js';
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

describe('the trainer\'s warm-up', () => {
  it('returns once every worker has loaded its code, not when piscina counts it ready', async () => {
    requireBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-trainer-'));
    const file = path.join(dir, 'slowWorker.mjs'), loaded = path.join(dir, 'loaded.txt');
    // a worker whose code takes a while to load, then says so in a file
    fs.writeFileSync(file, [
      "import * as fs from 'node:fs';",
      "import { threadId } from 'node:worker_threads';",
      'await new Promise((resolve) => setTimeout(resolve, 300));',
      `fs.appendFileSync(${JSON.stringify(loaded)}, threadId + '\\n');`,
      'export default async () => [];',
    ].join('\n'));
    const trainer = createTrainer({ workers: 2, arrays: async () => arrays(), progress: quiet, workerFile: file });
    try {
      await trainer.warmUp!();
      const threads = fs.readFileSync(loaded, 'utf8').trim().split('\n');
      expect(new Set(threads).size).toBe(2);
    } finally {
      await trainer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('starts the workers before the data is there; the tasks wait for it and bring it to the workers', async () => {
    requireBuilt();
    let asked = 0;
    let give: (a: TrainingArrays) => void = () => {};
    const data = new Promise<TrainingArrays>((resolve) => { give = resolve; });
    const pooled = createTrainer({ workers: 2, arrays: () => { asked++; return data; }, progress: quiet });
    const serial = createTrainer({ workers: 0, arrays: async () => arrays(), progress: quiet });
    try {
      // with the data held back, the warm-up still returns (the workers need no data to start), and does not ask for it
      const warmed = await Promise.race([pooled.warmUp!().then(() => 'up'), new Promise((resolve) => setTimeout(resolve, 30_000, 'timed out'))]);
      expect(warmed).toBe('up');
      expect(asked).toBe(0);
      const results = pooled.runTasks('waits for the data', tasks);
      give(arrays());
      expect(withoutTimes(await results)).toEqual(withoutTimes(await serial.runTasks('serial', tasks)));
      expect(asked).toBe(1);
    } finally {
      await pooled.close();
      await serial.close();
    }
  }, 120_000);
});

describe('the calls in the pool', () => {
  it('never number more than the workers, the warm-up calls counted: no task waits in piscina\'s queue behind another call', async () => {
    requireBuilt();
    const run = Piscina.prototype.run;
    let inPool = 0, most = 0;
    const calls: string[] = [];
    const spy = vi.spyOn(Piscina.prototype, 'run').mockImplementation(function (this: Piscina, ...args: Parameters<Piscina['run']>) {
      calls.push('ready' in (args[0] as object) ? 'ready' : 'task');
      most = Math.max(most, ++inPool);
      return run.apply(this, args).finally(() => inPool--);
    });
    const serial = createTrainer({ workers: 0, arrays: async () => arrays(), progress: quiet });
    const pooled = createTrainer({ workers: 2, arrays: async () => arrays(), progress: quiet });
    try {
      pooled.prefetch!('later', tasks.slice(0, 1));
      const results = await pooled.runTasks('now', tasks);
      await pooled.runTasks('later', tasks.slice(0, 1));
      // each worker's warm-up call first, then the tasks, at most two calls in the pool at any time
      expect(calls).toEqual(['ready', 'ready', ...new Array(1 + tasks.length).fill('task')]);
      expect(most).toBe(2);
      expect(withoutTimes(results)).toEqual(withoutTimes(await serial.runTasks('serial', tasks)));
    } finally {
      spy.mockRestore();
      await serial.close();
      await pooled.close();
    }
  }, 120_000);
});

describe('a training worker that fails to start', () => {
  it('fails runTasks and the prefetched batches with an error naming the worker file and the cause, and close returns', async () => {
    requireBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-trainer-'));
    const file = path.join(dir, 'brokenWorker.mjs');
    fs.writeFileSync(file, "throw new Error('broken on purpose');\n");
    const trainer = createTrainer({ workers: 2, arrays: async () => arrays(), progress: quiet, workerFile: file });
    const failure = (p: Promise<unknown>) => p.then(() => new Error('expected a rejection (got results)'), (e: unknown) => e as Error);
    try {
      trainer.prefetch!('later', tasks.slice(2));
      trainer.prefetch!('never asked for', tasks.slice(0, 1));
      // the prefetched tasks went to the two workers; these wait behind them (in piscina's queue once
      // the workers failed with theirs, where piscina, starting no more workers, leaves them)
      const errors = [
        await failure(trainer.runTasks('later', tasks.slice(2))),
        await failure(trainer.runTasks('first', tasks.slice(0, 2))),
        await failure(trainer.runTasks('after the failure', tasks)),
      ];
      // a task a worker had when it failed names its batch; the others, the trainer's stop
      const stopped = `trainer: the training worker ${file} failed to start or crashed between tasks (got Error: broken on purpose)`;
      expect([`trainer: later: a training failed in the worker ${file} (got Error: broken on purpose)`, stopped]).toContain(errors[0]!.message);
      expect(errors.slice(1).map((e) => e.message)).toEqual([stopped, stopped]);
    } finally {
      await trainer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the demo then fails the sections that train, naming the worker file and the cause, writes its report and exits with 1', async () => {
    requireBuilt();
    // the built demo, copied beside the examples' packages, with a trainWorker.js that throws on load
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-demo-broken-worker-'));
    try {
      fs.copyFileSync(path.join(examplesDir, 'package.json'), path.join(dir, 'package.json'));
      fs.symlinkSync(path.join(examplesDir, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      for (const sub of ['notebook', 'shared']) fs.cpSync(path.join(path.dirname(builtMain), '..', sub), path.join(dir, 'dist', sub), { recursive: true });
      const worker = path.join(dir, 'dist', 'notebook', 'trainWorker.js');
      fs.writeFileSync(worker, "throw new Error('broken on purpose');\n");
      const run = await promisify(execFile)(
        process.execPath,
        [path.join(dir, 'dist', 'notebook', 'main.js'), '--quick', '--synthetic', '--only', 'deep-nets', '--workers', '2', '--out', dir, '--run', 'broken'],
        { env: { ...process.env, CIFAR10_DIR: '' }, maxBuffer: 16 * 1024 * 1024 },
      ).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
      expect(run.code).toBe(1);
      const cause = `the worker ${worker} (got Error: broken on purpose)`;
      const stopped = `the training worker ${worker} failed to start or crashed between tasks (got Error: broken on purpose)`;
      expect(run.stderr).toMatch(/^deep-nets failed: Error: trainer: /m);
      expect(run.stderr.includes(cause) || run.stderr.includes(stopped)).toBe(true);
      const results = JSON.parse(fs.readFileSync(path.join(dir, 'broken', 'results.json'), 'utf8')) as { sections: { id: string; status: string }[] };
      expect(results.sections.map((x) => `${x.id}: ${x.status}`)).toEqual(['deep-nets: failed']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
