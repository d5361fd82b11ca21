/**
 * The training role: runs the notebook's training tasks (training.ts, as Node's pool does) on the
 * arrays the page sent, and reports each run's losses, accuracy checks and log lines as they come
 * (every 10 iterations or 100 ms, and at each check), so the page draws the curves live.
 * @module
 */
import type { EpochInfo } from '@tapegrad/optim';
import { runTrainingTask, type TrainingArrays } from '../../../notebook/training.js';
import type { ProgressMessage, ToTrain } from '../protocol.js';
import type { Post } from './worker.js';

/** What one run did since the last message. */
interface Pending {
  firstIteration: number;
  losses: number[];
  epochs: EpochInfo[];
  logs: string[];
  at: number;
}

export function role(post: Post) {
  let arrays: TrainingArrays | null = null;
  return async (message: ToTrain): Promise<void> => {
    if (message.type === 'arrays') {
      arrays = message.arrays;
      return;
    }
    if (message.type !== 'task') return;
    const { slot, task } = message;
    const pending = new Map<number, Pending>();
    /** Each run's last iteration: the next loss is the one after it. */
    const last = new Map<number, number>();
    const get = (runIndex: number): Pending => {
      let p = pending.get(runIndex);
      if (p === undefined) {
        p = { firstIteration: (last.get(runIndex) ?? 0) + 1, losses: [], epochs: [], logs: [], at: performance.now() };
        pending.set(runIndex, p);
      }
      return p;
    };
    const flush = (runIndex: number): void => {
      const p = pending.get(runIndex);
      if (p === undefined) return;
      pending.delete(runIndex);
      const m: ProgressMessage = { type: 'progress', slot, runIndex, ...p };
      post(m);
    };
    try {
      if (arrays === null) throw new Error('training worker: the training arrays before a task (got none)');
      const results = await runTrainingTask(task, arrays, {
        iteration: (i, info) => {
          const p = get(i);
          p.losses.push(info.loss);
          last.set(i, info.iteration);
          if (p.losses.length >= 10 || performance.now() - p.at >= 100) flush(i);
        },
        epoch: (i, info) => {
          get(i).epochs.push(info);
          flush(i);
        },
        log: (i, line) => {
          get(i).logs.push(line);
        },
      });
      for (const i of [...pending.keys()]) flush(i);
      post({ type: 'taskDone', slot, results });
    } catch (err) {
      post({ type: 'taskFailed', slot, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  };
}
