/**
 * The page's training pool: Web Workers in the `train` role (one per core when the page is
 * cross-origin isolated, else one), each given the training arrays once (shared memory when
 * isolated), fed tasks longest first as they come free, as Node's piscina pool does. Stopping
 * terminates the workers; new ones start on the next run. Each batch is marked on the performance
 * timeline (`tapegrad-train-start`, `tapegrad-train-end`), so what the main thread does while the
 * workers train can be measured.
 * @module
 */
import type { RunResult } from '../../../notebook/training.js';
import type { FromTrain, KernelChoice, ProgressMessage, RunTasksMessage, ToTrain } from '../protocol.js';
import { spawnWorker } from './spawn.js';

/** Hears a batch's trainings as they go (`task`: the task's index in the batch). */
export interface PoolListener {
  progress(task: number, m: ProgressMessage): void;
  taskDone(task: number, results: RunResult[]): void;
}

interface Slot {
  worker: Worker;
  arraysKey: string | null;
  busy: boolean;
}

/** Stopped by the user. */
export class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

export class TrainingPool {
  private slots: Slot[] = [];
  private cancel: ((err: Error) => void) | null = null;

  /** @param size - workers; @param kernels - their kernels. */
  constructor(readonly size: number, private readonly kernels: KernelChoice) {}

  /** Runs a batch of tasks; results in the tasks' order. */
  run(batch: RunTasksMessage, listener: PoolListener): Promise<RunResult[][]> {
    if (this.cancel !== null) return Promise.reject(new Error('TrainingPool: one batch at a time (got a second while one runs)'));
    const order = batch.tasks.map((_, i) => i).sort((a, b) => batch.costs[b]! - batch.costs[a]!);
    const results: RunResult[][] = new Array(batch.tasks.length);
    let left = batch.tasks.length;
    performance.mark('tapegrad-train-start');
    return new Promise<RunResult[][]>((resolve, reject) => {
      const finish = (err: Error | null) => {
        performance.mark('tapegrad-train-end');
        this.cancel = null;
        for (const s of this.slots) {
          s.worker.onmessage = null;
          s.worker.onerror = null;
        }
        if (err) reject(err);
        else resolve(results);
      };
      this.cancel = (err) => finish(err);
      if (left === 0) {
        finish(null);
        return;
      }
      const feed = (slot: Slot) => {
        const next = order.shift();
        if (next === undefined) {
          slot.busy = false;
          return;
        }
        slot.busy = true;
        if (slot.arraysKey !== batch.arraysKey) {
          const m: ToTrain = { type: 'arrays', key: batch.arraysKey, arrays: batch.arrays };
          slot.worker.postMessage(m);
          slot.arraysKey = batch.arraysKey;
        }
        const m: ToTrain = { type: 'task', slot: next, task: batch.tasks[next]! };
        slot.worker.postMessage(m);
      };
      for (const slot of this.workers()) {
        slot.worker.onmessage = (e: MessageEvent<FromTrain>) => {
          const m = e.data;
          if (m.type === 'progress') listener.progress(m.slot, m);
          else if (m.type === 'taskDone') {
            results[m.slot] = m.results;
            listener.taskDone(m.slot, m.results);
            left -= 1;
            if (left === 0) finish(null);
            else feed(slot);
          } else if (m.type === 'taskFailed') {
            this.terminate();
            finish(new Error(m.message));
          }
        };
        slot.worker.onerror = (e: ErrorEvent) => {
          this.terminate();
          finish(new Error(`training worker: ${e.message || 'it stopped (out of memory?)'}`));
        };
        feed(slot);
      }
    });
  }

  /** Stops every worker; a batch running fails with a StoppedError. */
  stop(): void {
    this.terminate();
    this.cancel?.(new StoppedError('stopped'));
  }

  private workers(): Slot[] {
    while (this.slots.length < this.size) this.slots.push({ worker: spawnWorker('train', this.kernels), arraysKey: null, busy: false });
    return this.slots;
  }

  private terminate(): void {
    for (const s of this.slots) s.worker.terminate();
    this.slots = [];
  }
}
