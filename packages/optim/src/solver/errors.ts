/**
 * The Solver's errors: a non-finite training loss, and a checkpoint that cannot be read or does not
 * fit the model it is resumed into.
 * @module
 */

/**
 * Thrown by {@link Solver.train} when a minibatch's loss is NaN or ±Infinity. Training stops before
 * that iteration updates any parameter, optimizer state or history; checkpoints written at earlier
 * epoch ends stay as they are, so the run can be resumed from the last good one (say, with a lower
 * `learningRate` set in the resumed solver's `optimConfigs`).
 *
 * The message reads `Solver: loss is NaN at iteration 37 (epoch 1)`: the iteration is counted from 1
 * as in the `(Iteration 37 / 200)` log lines, the epoch is the number of epochs completed before it.
 *
 * @example
 * ```ts
 * import { NonFiniteLossError } from '@tapegrad/optim';
 * const e = new NonFiniteLossError(Number.NaN, 37, 1);
 * console.log(e.message, e.iteration); // 'Solver: loss is NaN at iteration 37 (epoch 1)' 37
 * ```
 * @category Solver
 */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';

  /**
   * @param loss - the loss that was not finite (NaN, Infinity or -Infinity).
   * @param iteration - the iteration it came from, counted from 1.
   * @param epoch - the number of epochs completed before that iteration.
   */
  constructor(
    /** The loss that was not finite. */
    readonly loss: number,
    /** The iteration that produced it, counted from 1. */
    readonly iteration: number,
    /** The number of epochs completed before that iteration. */
    readonly epoch: number,
  ) {
    super(`Solver: loss is ${String(loss)} at iteration ${iteration} (epoch ${epoch})`);
  }
}

/**
 * Thrown when a Solver checkpoint cannot be written or read, is not a Solver checkpoint, is
 * malformed, or does not fit the model, data or options it is resumed with. The message names the
 * file and what was expected: `Solver.resume: /tmp/run_epoch_2.safetensors: expected the parameters
 * W1, b1, W2, b2 (got W1, b1)`. A malformed safetensors file itself is reported by nn's
 * `SafetensorsError`, which becomes this error's `cause`.
 *
 * @example
 * ```ts
 * import { CheckpointError } from '@tapegrad/optim';
 * const e = new CheckpointError('Solver.resume: run.safetensors: not a Solver checkpoint');
 * console.log(e.name, e instanceof Error); // 'CheckpointError' true
 * ```
 * @category Solver
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  /**
   * @param message - what went wrong, starting with the operation and the file.
   * @param options - `cause`: the underlying error, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
