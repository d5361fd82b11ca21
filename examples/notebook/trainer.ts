/**
 * Runs the notebook's trainings: independent tasks in a pool of worker threads (piscina), one per
 * core by default, with an overall progress bar; or all in this thread (`workers: 0`). Each task
 * reseeds the global RNG itself, so a task's result does not depend on where or when it runs: the
 * pool's results equal a serial run's, number for number. Node only (piscina, worker_threads); the
 * web page has its own pool of Web Workers over the same training code.
 * @module
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { Progress, type ProgressStream } from '../shared/progress.js';
import {
  iterationsOf, runTrainingTask, taskCost, type RunResult, type Trainer, type TrainingArrays,
} from './training.js';
import type { TaskMessage } from './trainWorker.js';

export type { Trainer } from './training.js';

/** Options of {@link createTrainer}. */
export interface TrainerOptions {
  /** Worker threads (0: train in this thread, one task after the other). */
  workers: number;
  /** The training data, built on first use (copied once into shared memory for the workers). */
  arrays: () => Promise<TrainingArrays>;
  /** Where the progress bar goes (default stderr). */
  progress?: ProgressStream;
}

/** The built worker: dist/notebook/trainWorker.js, also when this module runs from its .ts source (tests). */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const built = here.endsWith('.ts')
    ? here.replace(/[\\/]notebook[\\/]trainer\.ts$/, '/dist/notebook/trainWorker.js')
    : here.replace(/trainer\.js$/, 'trainWorker.js');
  if (!fs.existsSync(built)) throw new Error(`trainer: the built worker ${built} (got no such file: run \`npx tsc -b\` first)`);
  return built;
}

/** A copy of `a` in shared memory, so that every worker reads the same bytes without a copy of its own. */
function shared<T extends Float32Array | Int32Array>(a: T): T {
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** A trainer over `opts.workers` worker threads (or this thread). */
export function createTrainer(opts: TrainerOptions): Trainer {
  let pool: Piscina | null = null;
  let arrays: TrainingArrays | null = null;
  const getArrays = async (): Promise<TrainingArrays> => {
    if (arrays !== null) return arrays;
    const a = await opts.arrays();
    arrays = opts.workers > 0
      ? { ...a, XTrain: shared(a.XTrain), yTrain: shared(a.yTrain), XVal: shared(a.XVal), yVal: shared(a.yVal) }
      : a;
    return arrays;
  };
  const getPool = async (): Promise<Piscina> => {
    if (pool !== null) return pool;
    pool = new Piscina({
      filename: workerFile(),
      minThreads: opts.workers,
      maxThreads: opts.workers,
      idleTimeout: 60_000,
      workerData: await getArrays(),
    });
    return pool;
  };

  return {
    async runTasks(label, tasks) {
      await getArrays(); // the data first, so that its messages come before the bar
      const works = tasks.map((t) => t.runs.reduce((s, r) => s + iterationsOf(r), 0));
      const totalRuns = tasks.reduce((s, t) => s + t.runs.length, 0);
      const progress = new Progress(label, works.reduce((a, b) => a + b, 0), totalRuns, opts.progress);
      const counters = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, tasks.length)));
      const sumCounters = (): number => {
        let s = 0;
        for (let i = 0; i < counters.length; i++) s += Atomics.load(counters, i);
        return s;
      };
      const poll = setInterval(() => progress.setWork(sumCounters()), 200);
      poll.unref();
      try {
        const results: RunResult[][] = new Array(tasks.length);
        if (opts.workers <= 0) {
          const data = await getArrays();
          for (const [i, task] of tasks.entries()) {
            results[i] = await runTrainingTask(task, data, {
              iteration: () => {
                counters[i]!++;
                progress.setWork(sumCounters());
              },
            });
            for (const r of results[i]!) progress.runDone(r.key);
          }
        } else {
          const p = await getPool();
          const order = tasks.map((_, i) => i).sort((a, b) => taskCost(tasks[b]!) - taskCost(tasks[a]!));
          await Promise.all(order.map(async (i) => {
            const message: TaskMessage = { task: tasks[i]!, counters, slot: i };
            results[i] = (await p.run(message)) as RunResult[];
            for (const r of results[i]!) progress.runDone(r.key);
          }));
        }
        return results;
      } finally {
        clearInterval(poll);
        progress.finish();
      }
    },
    async close() {
      if (pool !== null) await pool.destroy();
      pool = null;
    },
  };
}
