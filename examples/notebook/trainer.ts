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
  iterationsOf, runTrainingTask, taskCost, type RunResult, type Trainer, type TrainingArrays, type TrainingTask,
} from './training.js';
import type { ReadyMessage, TaskMessage } from './trainWorker.js';

export type { Trainer } from './training.js';

/** Options of {@link createTrainer}. */
export interface TrainerOptions {
  /** Worker threads (0: train in this thread, one task after the other). */
  workers: number;
  /** The training data, built on first use (copied once into shared memory for the workers, which start without it). */
  arrays: () => Promise<TrainingArrays>;
  /** Where the progress bar goes (default stderr). */
  progress?: ProgressStream;
  /** The worker module (default {@link workerFile}: the built trainWorker.js). */
  workerFile?: string;
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

/** Tasks started in the pool: their iteration counters and one result per task, in the tasks' order. */
interface StartedBatch {
  counters: Int32Array;
  results: Promise<RunResult[]>[];
}

/** How long `warmUp` waits for the workers at most (it only saves time; a worker that fails says so on its first task). */
const WARM_UP_LIMIT_MS = 10_000;

/** The key under which a prefetched batch waits for its `runTasks`: its label and its tasks. */
function batchKey(label: string, tasks: TrainingTask[]): string {
  return `${label}\n${JSON.stringify(tasks)}`;
}

/**
 * An error `<message> (got <cause>)` with `cause`, whose stack ends with the cause's (the worker's
 * stack, which the report's failed sections show).
 */
function workerError(message: string, cause: unknown): Error {
  const error = new Error(`${message} (got ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)})`, { cause });
  if (cause instanceof Error && cause.stack !== undefined) error.stack = `${error.stack ?? ''}\nCaused by: ${cause.stack}`;
  return error;
}

/**
 * A trainer over `opts.workers` worker threads (or this thread). With workers, `prefetch` queues a
 * later section's tasks in the pool at once, so the workers go on with them while the main thread
 * runs the sections in between (and while one section's last task finishes): the pool's queue runs
 * in the order the tasks were handed in, so a section's results are still the first to be ready.
 *
 * A worker that fails outside a task (its module throws on load, or it crashes between tasks) makes
 * piscina emit 'error', and piscina starts no more workers when they fail on load: the trainer then
 * stops, every task waiting or running, and every later one, rejects with an error naming the
 * worker file and the cause, and the pool is destroyed. A task that fails in a worker (in the task,
 * or because its worker failed while it had the task) rejects with an error naming the batch, the
 * worker file and the cause.
 */
export function createTrainer(opts: TrainerOptions): Trainer {
  let arraysPromise: Promise<TrainingArrays> | null = null;
  let poolPromise: Promise<Piscina> | null = null;
  let pool: Piscina | null = null;
  const prefetched = new Map<string, StartedBatch>();
  const file = (): string => opts.workerFile ?? workerFile();
  /** Why the trainer stopped (a worker failed outside a task), or null. */
  let failure: Error | null = null;
  /** The pool's destruction once the trainer stopped (close waits for it). */
  let destroyed: Promise<void> | null = null;
  const getArrays = (): Promise<TrainingArrays> => {
    arraysPromise ??= opts.arrays().then((a) => (opts.workers > 0
      ? { ...a, XTrain: shared(a.XTrain), yTrain: shared(a.yTrain), XVal: shared(a.XVal), yVal: shared(a.yVal) }
      : a));
    return arraysPromise;
  };
  let workersUp: Promise<void> | null = null;
  // the workers start without the data, so that they load while it loads: each task carries it (views
  // of the shared memory, not copies)
  const getPool = (): Promise<Piscina> => {
    poolPromise ??= Promise.resolve().then(() => {
      const p = new Piscina({
        filename: file(),
        minThreads: opts.workers,
        maxThreads: opts.workers,
        idleTimeout: 60_000,
      });
      // piscina counts its first workers as ready before they load, so readiness is a call each
      // worker answers once the training code is loaded (a failure shows in the first real task).
      // These calls count as running, as tasks do, and are made before any task (pump waits for the
      // pool): piscina never holds more calls than workers, so no task waits in its queue behind one.
      const ready: ReadyMessage = { ready: true };
      running += opts.workers;
      const answered = Array.from({ length: opts.workers }, () => p.run(ready).finally(() => {
        running--;
        pump();
      }));
      workersUp = new Promise<void>((resolve) => {
        Promise.all(answered).then(() => resolve(), () => resolve());
        setTimeout(resolve, WARM_UP_LIMIT_MS).unref();
      });
      p.on('error', (e: unknown) => stop(e));
      pool = p;
      return p;
    });
    return poolPromise;
  };
  // Tasks wait here, in the order they were handed in, and go to the pool one per free worker:
  // piscina's own queue and balancer do not keep that order (a later section's tasks ran before an
  // earlier one's last), which would leave a section waiting while the workers train later ones.
  interface Queued { label: string; message: Omit<TaskMessage, 'arrays'>; resolve: (r: RunResult[]) => void; reject: (e: unknown) => void }
  const waiting: Queued[] = [];
  /** Tasks handed to the pool and not settled: piscina never settles those it had not started when its workers failed on load. */
  const inPool = new Set<Queued>();
  let running = 0;
  /** Stops the trainer after a worker failed outside a task: everything pending rejects, the pool goes. */
  const stop = (cause: unknown): void => {
    if (failure !== null) return;
    failure = workerError(`trainer: the training worker ${file()} failed to start or crashed between tasks`, cause);
    for (const q of waiting.splice(0)) q.reject(failure);
    for (const q of inPool) q.reject(failure);
    inPool.clear();
    destroyed = pool?.destroy().catch(() => {}) ?? null;
    pool = null;
  };
  /** The data once loaded (the tasks wait for it, and for the pool). */
  let arrays: TrainingArrays | null = null;
  const pump = (): void => {
    if (pool === null || arrays === null) {
      // the pool first (its readiness calls take the workers' first turns) and the data, then the tasks
      if (waiting.length > 0) {
        Promise.all([getPool(), getArrays()]).then(([, a]) => {
          arrays = a;
          if (pool !== null) pump();
        }, (e: unknown) => {
          for (const q of waiting.splice(0)) q.reject(e);
        });
      }
      return;
    }
    const p = pool;
    while (running < opts.workers && waiting.length > 0) {
      const queued = waiting.shift()!;
      const { label, message, resolve, reject } = queued;
      const sent: TaskMessage = { ...message, arrays };
      running++;
      inPool.add(queued);
      Promise.resolve()
        .then(() => (p.run(sent) as Promise<RunResult[]>).catch((e: unknown) => {
          throw failure ?? workerError(`trainer: ${label}: a training failed in the worker ${file()}`, e);
        }))
        .then(resolve, reject)
        .finally(() => {
          inPool.delete(queued);
          running--;
          pump();
        });
    }
  };
  /** Queues `tasks` for the pool, longest first (fewer idle workers at the end); they reject at once once the trainer stopped. */
  const start = (label: string, tasks: TrainingTask[]): StartedBatch => {
    const counters = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, tasks.length)));
    const results: Promise<RunResult[]>[] = new Array(tasks.length);
    const order = tasks.map((_, i) => i).sort((a, b) => taskCost(tasks[b]!) - taskCost(tasks[a]!));
    for (const i of order) {
      const message = { task: tasks[i]!, counters, slot: i };
      results[i] = failure !== null ? Promise.reject(failure) : new Promise((resolve, reject) => waiting.push({ label, message, resolve, reject }));
    }
    pump();
    return { counters, results };
  };

  return {
    async warmUp() {
      if (opts.workers <= 0) return;
      await getPool();
      await workersUp;
    },
    prefetch(label, tasks) {
      if (opts.workers <= 0) return;
      const key = batchKey(label, tasks);
      if (prefetched.has(key)) return;
      const batch = start(label, tasks);
      // its runTasks reports a failure; until then (or if none comes) it must not be an unhandled rejection
      for (const r of batch.results) r.catch(() => {});
      prefetched.set(key, batch);
    },
    async runTasks(label, tasks) {
      await getArrays(); // the data first, so that its messages come before the bar
      const works = tasks.map((t) => t.runs.reduce((s, r) => s + iterationsOf(r), 0));
      const totalRuns = tasks.reduce((s, t) => s + t.runs.length, 0);
      const progress = new Progress(label, works.reduce((a, b) => a + b, 0), totalRuns, opts.progress);
      if (opts.workers <= 0) {
        const counters = new Int32Array(Math.max(1, tasks.length));
        const sum = () => counters.reduce((a, b) => a + b, 0);
        try {
          const data = await getArrays();
          const results: RunResult[][] = [];
          for (const [i, task] of tasks.entries()) {
            results.push(await runTrainingTask(task, data, {
              iteration: () => {
                counters[i]!++;
                progress.setWork(sum());
              },
            }));
            for (const r of results[i]!) progress.runDone(r.key);
          }
          return results;
        } finally {
          progress.finish();
        }
      }
      const key = batchKey(label, tasks);
      const batch = prefetched.get(key) ?? start(label, tasks);
      prefetched.delete(key);
      const { counters } = batch;
      const sumCounters = (): number => {
        let s = 0;
        for (let i = 0; i < counters.length; i++) s += Atomics.load(counters, i);
        return s;
      };
      const poll = setInterval(() => progress.setWork(sumCounters()), 200);
      poll.unref();
      try {
        return await Promise.all(batch.results.map(async (r) => {
          const result = await r;
          for (const run of result) progress.runDone(run.key);
          return result;
        }));
      } finally {
        clearInterval(poll);
        progress.finish();
      }
    },
    async close() {
      for (const { reject } of waiting.splice(0)) reject(new Error('trainer: closed before this task started'));
      prefetched.clear();
      if (poolPromise !== null) await poolPromise.catch(() => {});
      if (pool !== null) await pool.destroy();
      await destroyed;
      pool = null;
      poolPromise = null;
    },
  };
}
