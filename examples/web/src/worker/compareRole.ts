/**
 * The compare role: the Compare gradients panel's measurement. One layer (Linear, ReLU, BatchNorm1d
 * in PyTorch's or cs231n's convention, LayerNorm) on one random input, its tape backward against its
 * fused (handwritten) backward through `compareGradients`: relative errors per input and parameter,
 * and both backward passes timed in this browser.
 * @module
 */
import { Generator, getKernels, manualSeed, type Tensor } from '@tapegrad/core';
import { BatchNorm1d, LayerNorm, Linear, ReLU, compareGradients, type Module } from '@tapegrad/nn';
import type { CompareRequest, CompareResult, ToCompare } from '../protocol.js';
import type { Post } from './worker.js';

/** The largest input the panel takes, in elements (N · D). */
export const MAX_ELEMENTS = 4_194_304;

/** The request's layer and input, checked. */
function subject(r: CompareRequest): { module: Module; x: Tensor; text: string } {
  for (const [name, v, max] of [['N', r.n, 65536], ['D', r.d, 65536], ['repeats', r.repeats, 500]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > max) throw new RangeError(`compare: ${name} a whole number in 1..${max} (got ${v})`);
  }
  if (r.n * r.d > MAX_ELEMENTS) throw new RangeError(`compare: N·D at most ${MAX_ELEMENTS} (got ${r.n}·${r.d} = ${r.n * r.d})`);
  if (r.dtype !== 'float32' && r.dtype !== 'float64') throw new TypeError(`compare: dtype float32 or float64 (got ${String(r.dtype)})`);
  manualSeed(231); // Linear's initial weights
  const dtype = r.dtype;
  const g = new Generator(231);
  const normalizes = r.layer.startsWith('batchnorm') || r.layer === 'layernorm';
  // the notebook's input for the normalization layers: 5·randn + 12, far from zero mean and unit variance
  const x = normalizes ? g.randn([r.n, r.d], { dtype }).mul(5).add(12) : g.randn([r.n, r.d], { dtype });
  const made: Record<CompareRequest['layer'], () => Module> = {
    linear: () => new Linear(r.d, r.d, { dtype }),
    relu: () => new ReLU(),
    'batchnorm-pytorch': () => new BatchNorm1d(r.d, { dtype, convention: 'pytorch' }),
    'batchnorm-cs231n': () => new BatchNorm1d(r.d, { dtype, convention: 'cs231n' }),
    layernorm: () => new LayerNorm(r.d, { dtype }),
  };
  const make = made[r.layer];
  if (make === undefined) throw new TypeError(`compare: layer one of ${Object.keys(made).join(', ')} (got ${String(r.layer)})`);
  const module = make();
  return { module, x, text: `${module.toString()} on x ${dtype} [${r.n}, ${r.d}]${normalizes ? ' = 5·randn + 12' : ' = randn'}` };
}

export function role(post: Post) {
  return (message: ToCompare): void => {
    if (message.type !== 'compare') return;
    const empty: CompareResult = {
      type: 'compared', reqId: message.reqId, error: null, subject: '', rows: [], tapeMs: 0, fusedMs: 0, speedup: 0,
      forwardTapeMs: 0, forwardFusedMs: 0, repeats: 0, warmup: 0, text: '', kernels: getKernels().name,
    };
    try {
      const { module, x, text } = subject(message);
      const report = compareGradients(module, [x], { repeats: message.repeats, warmup: 5 });
      const t = report.timings;
      post({
        ...empty, subject: text,
        rows: [{ name: 'output', ...report.output }, ...report.grads.map((g) => ({ name: `d(${g.name})`, relError: g.relError, maxAbsDiff: g.maxAbsDiff }))],
        tapeMs: t.tapeMs, fusedMs: t.fusedMs, speedup: t.speedup, forwardTapeMs: t.forwardTapeMs, forwardFusedMs: t.forwardFusedMs,
        repeats: t.repeats, warmup: t.warmup, text: report.format(),
      } satisfies CompareResult);
    } catch (err) {
      post({ ...empty, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies CompareResult);
    }
  };
}
