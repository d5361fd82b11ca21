/**
 * compareGradients: the cs231n notebook's "batchnorm_backward vs batchnorm_backward_alt" cell,
 * generalised to any module, model or pair of functions: the same inputs and the same random
 * upstream gradient through the tape path and the fused path, compared number by number and in time.
 * @module
 */
import { Generator, Tensor, defaultGenerator, noGrad, relError } from '@tapegrad/core';
import { hasBackwardMode, type BackwardMode, type HasBackwardMode } from './backwardMode.js';
import { Module } from './module.js';

/** A function of tensors, as compared by {@link compareGradients}. @category Fused vs tape */
export type TensorFunction = (...xs: Tensor[]) => Tensor;

/** Two implementations of the same function: one with handwritten backward passes, one the tape differentiates. @category Fused vs tape */
export interface FunctionPair {
  /** The path with handwritten (fused) backward passes. */
  fused: TensorFunction;
  /** The path whose gradient the tape derives. */
  tape: TensorFunction;
}

/**
 * Options of {@link compareGradients}.
 * @category Fused vs tape
 */
export interface CompareGradientsOptions {
  /** Timed runs per path; the medians are reported. Default 20. */
  repeats?: number;
  /** Untimed runs per path before timing (JIT warm-up). Default 5. */
  warmup?: number;
  /** Seed of the Generator that draws the upstream gradient (standard normal). Default 0. */
  seed?: number;
  /** The upstream gradient to use instead of a random one (the output's shape and dtype). */
  grad?: Tensor;
  /**
   * For a plain function: the modules it calls, whose backward modes are switched (and whose
   * parameters' gradients are compared, by dotted name within each module).
   */
  modules?: readonly Module[];
}

/** One compared gradient. @category Fused vs tape */
export interface GradientDifference {
  /** `input 0`, `input 1`, ... or a parameter's dotted name (`0.weight`). */
  name: string;
  /** cs231n's relative error between the two paths' gradients (see `relError` in core). */
  relError: number;
  /** The largest absolute difference between them. */
  maxAbsDiff: number;
}

/** Median times of both paths. @category Fused vs tape */
export interface GradientTimings {
  /** Median backward time of the tape path, in ms. */
  tapeMs: number;
  /** Median backward time of the fused path, in ms. */
  fusedMs: number;
  /** `tapeMs / fusedMs`: how many times faster the fused backward is. */
  speedup: number;
  /** Median forward time of the tape path (timed separately), in ms. */
  forwardTapeMs: number;
  /** Median forward time of the fused path (timed separately), in ms. */
  forwardFusedMs: number;
  /** Timed runs per path. */
  repeats: number;
  /** Untimed warm-up runs per path. */
  warmup: number;
}

/**
 * What {@link compareGradients} found; `toString()` prints it as a table.
 *
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { LayerNorm, compareGradients } from '@tapegrad/nn';
 * const report = compareGradients(new LayerNorm(8, { dtype: 'float64' }), [randn([4, 8], { dtype: 'float64' })], { repeats: 3, warmup: 1 });
 * console.log(report.grads.map((g) => g.name)); // ['input 0', 'weight', 'bias']
 * console.log(report.output.maxAbsDiff < 1e-12); // true
 * ```
 * @category Fused vs tape
 */
export class GradientComparison {
  /**
   * @param output - how far apart the two paths' outputs are.
   * @param grads - per input, then per parameter: how far apart the gradients are.
   * @param timings - median backward (and forward) times of both paths.
   */
  constructor(
    /** How far apart the two paths' outputs are. */
    readonly output: { maxAbsDiff: number; relError: number },
    /** Per input, then per parameter: how far apart the gradients are. */
    readonly grads: GradientDifference[],
    /** Median backward (and forward) times of both paths. */
    readonly timings: GradientTimings,
  ) {}

  /** The largest relative error over the output and every gradient. */
  get maxRelError(): number {
    return Math.max(this.output.relError, ...this.grads.map((g) => g.relError));
  }

  /** The comparison as a fixed-width table (what `toString` returns). */
  format(): string {
    const sci = (v: number): string => (v === 0 ? '0' : v.toExponential(2));
    const ms = (v: number): string => v.toFixed(3);
    const rows: [string, string, string][] = [
      ['', 'rel error', 'max |diff|'],
      ['output', sci(this.output.relError), sci(this.output.maxAbsDiff)],
      ...this.grads.map((g): [string, string, string] => [`d(${g.name})`, sci(g.relError), sci(g.maxAbsDiff)]),
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    const lines = rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c.padStart(10)}`);
    const t = this.timings;
    lines.push(
      `backward ms (median of ${t.repeats}, after ${t.warmup} warm-up): tape ${ms(t.tapeMs)}  fused ${ms(t.fusedMs)}  speedup ${t.speedup.toFixed(2)}x`,
      `forward ms  (median of ${t.repeats}, timed apart):          tape ${ms(t.forwardTapeMs)}  fused ${ms(t.forwardFusedMs)}`,
    );
    return lines.join('\n');
  }

  /** Same as {@link GradientComparison.format}. */
  toString(): string {
    return this.format();
  }
}

/** The result of one forward + backward of one path. */
interface Run {
  output: Tensor;
  grads: (Tensor | null)[];
  forwardMs: number;
  backwardMs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function maxAbsDiff(a: Tensor | null, b: Tensor | null): number {
  const x = a?.toFloat64Array() ?? null, y = b?.toFloat64Array() ?? null;
  if (x === null && y === null) return 0;
  const p = x ?? new Float64Array(y!.length), q = y ?? new Float64Array(x!.length);
  let worst = 0;
  for (let i = 0; i < p.length; i++) {
    const d = Math.abs(p[i]! - q[i]!);
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

function relErrorOrZero(a: Tensor | null, b: Tensor | null): number {
  if (a === null && b === null) return 0;
  if (a === null || b === null) return relError(a ?? b!.mul(0), b ?? a!.mul(0));
  return relError(a, b);
}

/**
 * Runs `subject` through its tape path and its fused path on the same inputs and the same random
 * upstream gradient, and reports how far apart the outputs and the gradients are (per input and per
 * parameter) and how long each backward pass takes.
 *
 * - A {@link Module}: every submodule with a `backward` switch (Linear, ReLU, BatchNorm1d,
 *   LayerNorm, Conv2d, BatchNorm2d, GroupNorm, RMSNorm, and the cs231n models) is set to `'tape'`, then to `'fused'`, and restored afterwards. Parameters are
 *   compared by their dotted names.
 * - A {@link FunctionPair} `{ fused, tape }`: the two functions are called with the same inputs.
 * - A plain function: pass the modules it uses in `opts.modules`; their switches are flipped.
 *
 * A module runs in its current mode (train or eval). Every floating input gets a gradient (fresh
 * leaves share the inputs' data; the inputs themselves are not touched). The upstream gradient G is
 * drawn from `new Generator(seed)` (standard normal, never all ones), and the gradients are those of
 * `sum(output·G)`.
 *
 * `relError` is cs231n's `max |a - b| / max(1e-8, |a| + |b|)` over the elements, as the notebook
 * prints: on a large array a few elements that are nearly zero dominate it, and a gradient that is
 * zero up to rounding (a bias just before a BatchNorm) shows a large one; read it with `maxAbsDiff`.
 *
 * Timing: per repeat and per path (alternating paths), one forward is timed on its own, then the
 * backward pass is timed on its own; the medians over `repeats` after `warmup` untimed runs are
 * reported, so `tapeMs`/`fusedMs`/`speedup` are backward only.
 *
 * No side effects: every forward starts from the same state. The modules' buffers (BatchNorm's
 * running statistics and numBatchesTracked) are saved first and restored after every forward, the
 * global RNG (Dropout's masks) is reset to the same state before every forward (so both paths draw
 * the same masks) and restored at the end, and the parameters' `.grad` are restored at the end.
 *
 * @param subject - a module, a `{ fused, tape }` pair, or a function with `opts.modules`.
 * @param inputs - the inputs, passed to `forward` or the functions in order.
 * @param opts - `repeats` (20), `warmup` (5), `seed` (0), `grad` (random), `modules`; see
 *   {@link CompareGradientsOptions}.
 * @returns a {@link GradientComparison}; print it for a table.
 * @throws TypeError when the subject has nothing to switch (a module without a layer that has a
 *   `backward` switch, or a plain function without `opts.modules`), or for a bad repeats/warmup.
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { BatchNorm1d, compareGradients } from '@tapegrad/nn';
 * const x = randn([100, 500], { dtype: 'float64' }).mul(5).add(12);
 * const report = compareGradients(new BatchNorm1d(500, { dtype: 'float64' }), [x]);
 * console.log(report.toString()); // per gradient: rel error and max |diff| (~1e-15); backward ms and the speedup
 * console.log(report.timings.speedup > 0); // true: how much faster the fused backward was (≈ 20x here)
 * ```
 * @category Fused vs tape
 */
export function compareGradients(
  subject: Module | FunctionPair | TensorFunction,
  inputs: readonly Tensor[],
  opts: CompareGradientsOptions = {},
): GradientComparison {
  const repeats = opts.repeats ?? 20;
  const warmup = opts.warmup ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw new TypeError(`compareGradients: repeats must be a positive integer (got ${repeats})`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new TypeError(`compareGradients: warmup must be a non-negative integer (got ${warmup})`);
  if (!Array.isArray(inputs) || !inputs.every((x) => x instanceof Tensor)) {
    throw new TypeError('compareGradients: inputs must be an array of Tensors');
  }

  // What to call, and which modules to switch.
  let modules: readonly Module[];
  let call: (mode: BackwardMode, xs: Tensor[]) => Tensor;
  let isPair = false;
  if (subject instanceof Module) {
    modules = [subject];
    call = (_, xs) => subject.forward(...xs);
  } else if (typeof subject === 'function') {
    modules = opts.modules ?? [];
    if (modules.length === 0) {
      throw new TypeError('compareGradients: a plain function has one path only; pass { fused, tape } or the modules it uses in opts.modules');
    }
    call = (_, xs) => subject(...xs);
  } else if (subject && typeof subject.fused === 'function' && typeof subject.tape === 'function') {
    modules = opts.modules ?? [];
    isPair = true;
    call = (mode, xs) => subject[mode](...xs);
  } else {
    throw new TypeError('compareGradients: subject must be a Module, a { fused, tape } pair of functions, or a function');
  }
  const switches = modules.flatMap((m) => m.modules()).filter(hasBackwardMode) as unknown as (Module & HasBackwardMode)[];
  if (switches.length === 0 && !isPair) {
    throw new TypeError('compareGradients: no submodule has a backward mode to switch (Linear, ReLU, Conv2d or a norm layer)');
  }
  const named = modules.length === 1
    ? modules[0]!.namedParameters()
    : modules.flatMap((m, i) => m.namedParameters().map(([n, p]): [string, Tensor] => [`${i}.${n}`, p]));
  const params = [...new Map(named.map(([n, p]) => [p, n])).entries()];
  const buffers = modules.flatMap((m) => m.buffers());

  // State to restore: modes, buffers, parameter grads, the global RNG.
  const savedModes = switches.map((m) => m.backward);
  const savedBuffers = buffers.map((b) => b.clone().detach());
  const savedGrads = params.map(([p]) => p.grad);
  const rngState = defaultGenerator.getState();

  const leaves = inputs.map((x) => (x.dtype === 'float32' || x.dtype === 'float64' ? new Tensor(x.data, { requiresGrad: true }) : x));
  let upstream = opts.grad ?? null;

  const runOnce = (mode: BackwardMode): Run => {
    for (const m of switches) m.backward = mode;
    for (const x of leaves) x.grad = null;
    for (const [p] of params) p.grad = null;
    defaultGenerator.setState(rngState);
    const t0 = performance.now();
    const output = call(mode, leaves);
    const forwardMs = performance.now() - t0;
    noGrad(() => buffers.forEach((b, i) => b.copy_(savedBuffers[i]!)));
    if (!(output instanceof Tensor)) throw new TypeError(`compareGradients: the ${mode} path must return a Tensor`);
    upstream ??= new Generator(opts.seed ?? 0).randn(output.shape, { dtype: output.dtype === 'float32' ? 'float32' : 'float64' });
    let backwardMs = 0;
    if (output.requiresGrad) {
      const t1 = performance.now();
      output.backward(upstream);
      backwardMs = performance.now() - t1;
    }
    return {
      output,
      grads: [...leaves.map((x) => (x.requiresGrad ? x.grad : null)), ...params.map(([p]) => p.grad)],
      forwardMs,
      backwardMs,
    };
  };

  try {
    const tape = runOnce('tape');
    const fused = runOnce('fused');
    for (let i = 0; i < warmup; i++) {
      runOnce('tape');
      runOnce('fused');
    }
    const times = { tape: { f: [] as number[], b: [] as number[] }, fused: { f: [] as number[], b: [] as number[] } };
    for (let i = 0; i < repeats; i++) {
      for (const mode of i % 2 === 0 ? (['tape', 'fused'] as const) : (['fused', 'tape'] as const)) {
        const run = runOnce(mode);
        times[mode].f.push(run.forwardMs);
        times[mode].b.push(run.backwardMs);
      }
    }
    // Integer inputs (labels) have no gradient and no row.
    const names = [...leaves.map((x, i) => (x.requiresGrad ? `input ${i}` : null)), ...params.map(([, n]) => n)];
    const grads = names.flatMap((name, i) => {
      if (name === null) return [];
      const a = tape.grads[i] ?? null, b = fused.grads[i] ?? null;
      return [{ name, relError: relErrorOrZero(a, b), maxAbsDiff: maxAbsDiff(a, b) }];
    });
    const tapeMs = median(times.tape.b), fusedMs = median(times.fused.b);
    return new GradientComparison(
      { maxAbsDiff: maxAbsDiff(tape.output, fused.output), relError: relError(tape.output.detach(), fused.output.detach()) },
      grads,
      {
        tapeMs, fusedMs, speedup: tapeMs / fusedMs,
        forwardTapeMs: median(times.tape.f), forwardFusedMs: median(times.fused.f),
        repeats, warmup,
      },
    );
  } finally {
    switches.forEach((m, i) => (m.backward = savedModes[i]!));
    noGrad(() => buffers.forEach((b, i) => b.copy_(savedBuffers[i]!)));
    params.forEach(([p], i) => (p.grad = savedGrads[i]!));
    defaultGenerator.setState(rngState);
  }
}
