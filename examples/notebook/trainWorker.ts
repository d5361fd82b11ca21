/**
 * The worker side of the training pool: runs one {@link TrainingTask} on the shared training data
 * (piscina's workerData) and counts its iterations into a shared counter for the progress bar.
 * @module
 */
import { workerData } from 'piscina';
import { runTrainingTask, type RunResult, type TrainingArrays, type TrainingTask } from './training.js';

/** What the pool sends: the task, and its slot in the shared iteration counters. */
export interface TaskMessage {
  task: TrainingTask;
  counters: Int32Array;
  slot: number;
}

/** The trainer's warm-up call: answered at once, once this worker has loaded the training code. */
export interface ReadyMessage {
  ready: true;
}

/** Runs one task in this worker (none for a {@link ReadyMessage}). */
export default async function runTask(message: TaskMessage | ReadyMessage): Promise<RunResult[]> {
  if ('ready' in message) return [];
  const arrays = workerData as TrainingArrays;
  return runTrainingTask(message.task, arrays, {
    iteration: () => {
      Atomics.add(message.counters, message.slot, 1);
    },
  });
}
