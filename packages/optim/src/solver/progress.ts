/**
 * What the Solver prints: cs231n's log lines (Python's `%f`, digit for digit), or on a terminal one
 * progress bar redrawn in place (loss, accuracies, speed, ETA) with the epoch lines above it.
 *
 * The only environment access is {@link defaultTerminal}, which looks for Node's `process.stdout`
 * when it is a TTY; everything else works on a `log` function or a {@link TerminalStream}.
 * @module
 */
import { formatDuration } from '@tapegrad/core';

/**
 * Python's `'%.<digits>f' % x`: the exact binary value rounded to `digits` decimals, halves to even
 * (JS `toFixed` rounds them away from zero: `(0.0078125).toFixed(6)` is `'0.007813'`, Python prints
 * `0.007812`); `nan`, `inf`, `-inf` as Python spells them.
 * @param x - the number.
 * @param digits - decimals, 0..20 (default 6, Python's `%f`).
 * @example
 * ```ts
 * import { formatFixed } from '@tapegrad/optim';
 * console.log(formatFixed(2.3409741), formatFixed(0.0078125), formatFixed(Number.NaN)); // '2.340974' '0.007812' 'nan'
 * ```
 * @category Solver
 */
export function formatFixed(x: number, digits = 6): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Object.is(x, -0)) return `-${(0).toFixed(digits)}`;
  const rounded = x.toFixed(digits);
  if (Math.abs(x) >= 1e21) return rounded;
  // A tie is a value whose exact expansion stops at digit digits+1 with a 5; doubles of magnitude
  // below 1e21 print exactly with enough digits, and a tie has at most digits+1 of them after the point.
  const exact = x.toFixed(Math.min(100, digits + 40));
  const point = exact.indexOf('.');
  const tail = point < 0 ? '' : exact.slice(point + 1 + digits);
  if (!/^50*$/.test(tail)) return rounded;
  const truncated = exact.slice(0, digits === 0 ? point : point + 1 + digits);
  const lastDigit = Number(truncated[truncated.length - 1]);
  return lastDigit % 2 === 0 ? truncated : rounded;
}

/**
 * cs231n's iteration line: `(Iteration 1 / 200) loss: 2.340974`.
 * @param iteration - the iteration, counted from 1.
 * @param numIterations - the run's number of iterations.
 * @param loss - that iteration's loss.
 * @example
 * ```ts
 * import { iterationLine } from '@tapegrad/optim';
 * console.log(iterationLine(1, 200, 2.3409741)); // '(Iteration 1 / 200) loss: 2.340974'
 * ```
 * @category Solver
 */
export function iterationLine(iteration: number, numIterations: number, loss: number): string {
  return `(Iteration ${iteration} / ${numIterations}) loss: ${formatFixed(loss)}`;
}

/**
 * cs231n's accuracy line: `(Epoch 0 / 10) train acc: 0.107000; val_acc: 0.115000`.
 * @param epoch - epochs completed.
 * @param numEpochs - the run's number of epochs.
 * @param trainAcc - accuracy on the training subsample.
 * @param valAcc - accuracy on the validation subsample.
 * @example
 * ```ts
 * import { epochLine } from '@tapegrad/optim';
 * console.log(epochLine(0, 10, 0.107, 0.115)); // '(Epoch 0 / 10) train acc: 0.107000; val_acc: 0.115000'
 * ```
 * @category Solver
 */
export function epochLine(epoch: number, numEpochs: number, trainAcc: number, valAcc: number): string {
  return `(Epoch ${epoch} / ${numEpochs}) train acc: ${formatFixed(trainAcc)}; val_acc: ${formatFixed(valAcc)}`;
}

/**
 * `m:ss`, or `h:mm:ss` from an hour on; `?` for a time not known yet: core's `formatDuration(seconds, '?')`.
 * @param seconds - a duration in seconds.
 * @example
 * ```ts
 * import { formatEta } from '@tapegrad/optim';
 * console.log(formatEta(75.4), formatEta(3725), formatEta(Number.NaN)); // '1:15' '1:02:05' '?'
 * ```
 * @category Solver
 */
export function formatEta(seconds: number): string {
  return formatDuration(seconds, '?');
}

/**
 * Where a progress bar is drawn: a terminal stream such as Node's `process.stdout`. Only `write`
 * is required; `columns` (default 80) bounds the bar's width.
 * @category Solver
 */
export interface TerminalStream {
  /** Writes text as it is (the bar uses `\r` and the ANSI "erase line" sequence). */
  write(text: string): unknown;
  /** The terminal's width in characters. */
  columns?: number;
}

/**
 * Node's `process.stdout` when it is a TTY, else null (in a browser, a pipe, a CI log or a file).
 * The Solver draws its progress bar there when `progress` is `'auto'` and no `log` is given.
 * @example
 * ```ts
 * import { defaultTerminal } from '@tapegrad/optim';
 * console.log(defaultTerminal() === null || typeof defaultTerminal()!.write === 'function'); // true
 * ```
 * @category Solver
 */
export function defaultTerminal(): TerminalStream | null {
  const proc = (globalThis as { process?: { stdout?: TerminalStream & { isTTY?: boolean } } }).process;
  const out = proc?.stdout;
  return out !== undefined && out.isTTY === true ? out : null;
}

/** One training iteration, as the reporters and `onIteration` see it. @internal */
export interface ProgressIteration {
  iteration: number;
  numIterations: number;
  epoch: number;
  numEpochs: number;
  loss: number;
}

/** One accuracy check, as the reporters see it. @internal */
export interface ProgressCheck {
  epoch: number;
  numEpochs: number;
  trainAcc: number;
  valAcc: number;
}

/** What the Solver tells about its progress. @internal */
export interface Reporter {
  /** Training (re)starts at `iteration` (iterations already done) of `numIterations`. */
  start(iteration: number, numIterations: number): void;
  iteration(info: ProgressIteration): void;
  check(info: ProgressCheck): void;
  /** Training ended (finished or failed). */
  end(): void;
}

/** Prints nothing. @internal */
export const silentReporter: Reporter = { start() {}, iteration() {}, check() {}, end() {} };

/** cs231n's lines: an iteration line every `printEvery` iterations (t % printEvery == 0), every accuracy line. @internal */
export function linesReporter(log: (line: string) => void, printEvery: number): Reporter {
  return {
    start() {},
    iteration(info) {
      if ((info.iteration - 1) % printEvery === 0) log(iterationLine(info.iteration, info.numIterations, info.loss));
    },
    check(info) {
      log(epochLine(info.epoch, info.numEpochs, info.trainAcc, info.valAcc));
    },
    end() {},
  };
}

/** Options of {@link barReporter}. @internal */
export interface BarOptions {
  /** Milliseconds between redraws (default 100); the last iteration is always drawn. */
  minIntervalMs?: number;
  /** The clock, in milliseconds (default `performance.now`). */
  now?: () => number;
}

/**
 * One bar line redrawn in place: `epoch 3/10 [█████░░░░░] 61/200 loss 1.810844 train 0.453 val
 * 0.294 12.3 it/s ETA 0:11`, with each accuracy line printed above it as it comes. @internal
 */
export function barReporter(stream: TerminalStream, opts: BarOptions = {}): Reporter {
  const interval = opts.minIntervalMs ?? 100;
  const now = opts.now ?? (() => performance.now());
  let startTime = 0, startIteration = 0, lastDraw = -Infinity;
  let last: ProgressIteration | null = null;
  let lastCheck: ProgressCheck | null = null;
  let drawn = false;

  const render = (): string => {
    if (last === null) return '';
    const { iteration, numIterations, epoch, numEpochs, loss } = last;
    const done = iteration - startIteration;
    const elapsed = (now() - startTime) / 1000;
    const rate = done > 0 && elapsed > 0 ? done / elapsed : Number.NaN;
    const eta = formatEta((numIterations - iteration) / rate);
    const acc = lastCheck === null ? '' : ` train ${lastCheck.trainAcc.toFixed(3)} val ${lastCheck.valAcc.toFixed(3)}`;
    const speed = Number.isFinite(rate) ? ` ${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)} it/s` : '';
    const head = `epoch ${Math.min(epoch + 1, numEpochs)}/${numEpochs} `;
    const tail = ` ${iteration}/${numIterations} loss ${formatFixed(loss)}${acc}${speed} ETA ${eta}`;
    const columns = Math.max(20, (stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80) - 1);
    const width = Math.max(0, Math.min(30, columns - head.length - tail.length - 2));
    const filled = numIterations > 0 ? Math.round((width * iteration) / numIterations) : width;
    const bar = width > 0 ? `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]` : '';
    return `${head}${bar}${tail}`.slice(0, columns);
  };
  const draw = (): void => {
    stream.write(`\r\x1b[K${render()}`);
    drawn = true;
    lastDraw = now();
  };

  return {
    start(iteration) {
      startTime = now();
      startIteration = iteration;
    },
    iteration(info) {
      last = info;
      if (info.iteration === info.numIterations || now() - lastDraw >= interval) draw();
    },
    check(info) {
      lastCheck = info;
      stream.write(`\r\x1b[K${epochLine(info.epoch, info.numEpochs, info.trainAcc, info.valAcc)}\n`);
      draw();
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
