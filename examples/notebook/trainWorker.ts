/**
 * The worker side of the training pool: runs one {@link TrainingTask} on the shared training data
 * (which every task message carries) and counts its iterations into a shared counter for the progress bar.
 * @module
 */
import { runTrainingTask, type RunResult, type TrainingArrays, type TrainingTask } from './training.js';

/** What the pool sends: the task, the run's training data, and the task's slot in the shared iteration counters. */
export interface TaskMessage {
  task: TrainingTask;
  /** Views of the shared memory: the same bytes in every message of a run, new views each time. */
  arrays: TrainingArrays;
  counters: Int32Array;
  slot: number;
}

/**
 * The data of this worker's first task, kept for the later ones: training.ts copies the images into
 * the kernels' memory once per array object, and each message brings new views of the same bytes.
 */
let arrays: TrainingArrays | null = null;

/** The trainer's warm-up call: answered at once, once this worker has loaded the training code. */
export interface ReadyMessage {
  ready: true;
}

/** Runs one task in this worker (none for a {@link ReadyMessage}). */
export default async function runTask(message: TaskMessage | ReadyMessage): Promise<RunResult[]> {
  if ('ready' in message) return [];
  arrays ??= message.arrays;
  return runTrainingTask(message.task, arrays, {
    iteration: () => {
      Atomics.add(message.counters, message.slot, 1);
    },
  });
}
