import { describe, expect, it } from 'vitest';
import { getKernels, manualSeed, type FloatArray } from '@tapegrad/core';
import { FLOOR_GOALS, floorVerdict } from './gemmFloor.js';
import { gemmFlops, leadingDims, operandShapes, stepGemms, type StepGemm } from './stepGemms.js';
import { packages } from './w1Step.js';
import { TRAINING_WORKLOADS, minibatches, trainingModel, trainingStep, type Form, type TrainingConfig } from './w1Workload.js';

/** One call of the kernel set's gemm, as the real step made it. */
interface Call {
  args: { transA: boolean; transB: boolean; m: number; n: number; k: number; lda: number; ldb: number; ldc: number; accumulate: boolean };
  a: FloatArray;
  b: FloatArray;
  c: FloatArray;
  offsets: [number, number, number];
}

/** The gemm calls of the second step of `form` on `cfg` (the first fills the allocator's pool), recorded at the kernel set. */
function recordStep(cfg: TrainingConfig, form: Form): Call[] {
  manualSeed(0);
  const model = trainingModel(packages, cfg, form);
  const step = trainingStep(model, minibatches(packages, cfg));
  step();
  const kernels = getKernels();
  const original = kernels.gemm;
  const calls: Call[] = [];
  kernels.gemm = (transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate) => {
    calls.push({ args: { transA, transB, m, n, k, lda, ldb, ldc, accumulate }, a, b, c, offsets: [aOffset, bOffset, cOffset] });
    original.call(kernels, transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
  };
  try {
    step();
  } finally {
    kernels.gemm = original;
  }
  return calls;
}

/** What the list says the kernel set will be called with. */
const expectedArgs = (g: StepGemm) => {
  const [lda, ldb, ldc] = leadingDims(g);
  return { transA: g.transA, transB: g.transB, m: g.m, n: g.n, k: g.k, lda, ldb, ldc, accumulate: false };
};

describe('stepGemms', () => {
  const configs: [string, TrainingConfig][] = [
    ['W1', TRAINING_WORKLOADS.W1],
    ['W3 (float64)', TRAINING_WORKLOADS.W3],
    ['batch 30, hidden 20', { batch: 30, hidden: 20, dtype: 'float32' }],
  ];
  for (const [label, cfg] of configs) {
    for (const form of ['fcnet', 'sequential'] as const) {
      it(`is the ${form} step's gemm calls at ${label}: shapes, transposes, leading dims, order, and one array per named tensor`, () => {
        const gemms = stepGemms(cfg, form);
        const calls = recordStep(cfg, form);
        expect(calls.map((c) => c.args)).toEqual(gemms.map(expectedArgs));
        for (const call of calls) {
          expect(call.offsets).toEqual([0, 0, 0]);
          expect(call.a.BYTES_PER_ELEMENT).toBe(cfg.dtype === 'float32' ? 4 : 8);
          // after a step of warm-up the operands live in the kernels' memory, as all of the floor's do; the
          // allocator keeps arrays under 1024 elements plain (at W1: the last layer's y, dy and dW), which
          // the GEMM then copies in or out: a few µs a step the floor leaves out
          if (getKernels().name === 'wasm') {
            for (const x of [call.a, call.b, call.c]) if (x.length >= 1024) expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
          }
        }
        // a name used by two products is one array in the step; a product's three operands are three arrays
        const byName = new Map<string, FloatArray>();
        gemms.forEach((g, i) => {
          const call = calls[i]!;
          expect(new Set([call.a, call.b, call.c]).size).toBe(3);
          for (const [name, array] of [[g.a, call.a], [g.b, call.b], [g.c, call.c]] as const) {
            const seen = byName.get(name);
            if (seen === undefined) byName.set(name, array);
            else expect(array, `${name} in ${g.what}`).toBe(seen);
          }
        });
        for (const [name, [rows, cols]] of operandShapes(gemms)) expect(byName.get(name)!.length, name).toBeGreaterThanOrEqual(rows * cols);
      });
    }
  }

  it('adds up to the FLOPs that bench/README works out by hand (W1 73.7 M, W2 18.17 G)', () => {
    // forward 2·N·(3072·h + 4·h² + h·10), the weights' gradients as much, the inputs' below the first layer 2·N·(4·h² + h·10)
    const byHand = (N: number, h: number) => 2 * (2 * N * (3072 * h + 4 * h * h + h * 10)) + 2 * N * (4 * h * h + h * 10);
    for (const layout of ['fcnet', 'sequential'] as const) {
      expect(gemmFlops(stepGemms(TRAINING_WORKLOADS.W1, layout))).toBe(byHand(50, 100));
      expect(gemmFlops(stepGemms(TRAINING_WORKLOADS.W2, layout))).toBe(byHand(500, 1000));
    }
    expect(byHand(50, 100)).toBe(73_740_000);
    expect(byHand(500, 1000)).toBe(18_174_000_000);
  });

  it('names W2 first layer products with its sizes: x·W is 500×3072×1000, dW 3072×500×1000 (fcnet) or 1000×500×3072 (sequential), no dx', () => {
    const first = (layout: 'fcnet' | 'sequential') => stepGemms(TRAINING_WORKLOADS.W2, layout).filter((g) => g.what.endsWith(' 0'));
    expect(first('fcnet').map((g) => [g.what, g.transA, g.transB, g.m, g.k, g.n])).toEqual([
      ['forward 0', false, false, 500, 3072, 1000], ['dW 0', true, false, 3072, 500, 1000],
    ]);
    expect(first('sequential').map((g) => [g.what, g.transA, g.transB, g.m, g.k, g.n])).toEqual([
      ['forward 0', false, true, 500, 3072, 1000], ['dW 0', true, false, 1000, 500, 3072],
    ]);
    expect(stepGemms(TRAINING_WORKLOADS.W2, 'fcnet')).toHaveLength(6 + 5 + 6);
  });

  it('rejects sizes that are not positive integers, and a list that uses one name with two shapes', () => {
    expect(() => stepGemms({ batch: 0, hidden: 10 }, 'fcnet')).toThrow('stepGemms: batch must be a positive integer (got 0)');
    expect(() => stepGemms({ batch: 5, hidden: 2.5 }, 'fcnet')).toThrow('stepGemms: hidden must be a positive integer (got 2.5)');
    const [forward] = stepGemms({ batch: 5, hidden: 4, layers: 1, input: 6, classes: 3 }, 'fcnet');
    expect(() => operandShapes([forward!, { ...forward!, what: 'bad', k: 7 }])).toThrow('operandShapes: h0 is [5, 6] elsewhere (got [5, 7] in bad)');
  });
});

describe('floorVerdict', () => {
  const [w1, w2One, w2Two] = FLOOR_GOALS as [typeof FLOOR_GOALS[0], typeof FLOOR_GOALS[0], typeof FLOOR_GOALS[0]];

  it('says the goal cannot hold when the products alone run fewer steps a second than the goal asks', () => {
    // numpy's step 500/s: the goal 1.0× is 2 ms a step; products alone 400/s (2.5 ms) cannot fit, 625/s (1.6 ms) leave 0.4 ms
    const line = floorVerdict(w1, [{ case: 'step', value: 400 }, { case: 'step, Sequential', value: 625 }], 500, 800);
    expect(line).toBe(
      "W1 ≥ 1.00× numpy-1t (one thread): numpy-1t's whole step 500 steps/s, so the goal is 500 steps/s (2.00 ms a step); "
      + "numpy-1t's own products alone 800 steps/s, 63% of its step. tapegrad-wasm-gemm, the step's products alone: "
      + 'step 400 steps/s (2.50 ms, 0.80× its step): **cannot hold without a faster GEMM**; '
      + 'step, Sequential 625 steps/s (1.60 ms, 1.25× its step): leaves 0.40 ms a step for the rest.',
    );
  });

  it("sets W2's goals at 0.55× and 1.0× torch-1t, and gives nothing without both figures", () => {
    // torch 5 steps/s: 0.55× is 2.75 steps/s (364 ms); products alone 2.5/s (400 ms) cannot fit
    // 18.174 GFLOP a step at 2.5 steps/s: 45.4 GFLOP/s
    expect(floorVerdict(w2One, [{ case: 'step', value: 2.5 }], 5, undefined, 18_174_000_000)).toBe(
      "W2 ≥ 0.55× torch-1t (one thread): torch-1t's whole step 5.00 steps/s, so the goal is 2.75 steps/s (364 ms a step). "
      + 'tapegrad-wasm-gemm, the step\'s products alone: step 2.50 steps/s (400 ms, 45.4 GFLOP/s, 0.50× its step): **cannot hold without a faster GEMM**.',
    );
    expect(w2Two).toMatchObject({ workload: 'W2', ours: 'tapegrad-wasm-2t-gemm', peer: 'torch-1t', goal: 1 });
    expect(floorVerdict(w2Two, [], 5)).toBeUndefined();
    expect(floorVerdict(w2Two, [{ case: 'step', value: 2.5 }], undefined)).toBeUndefined();
  });
});
