/**
 * Issue 18's goals for W1 and W2 set against the GEMM floor: the step's matrix products alone
 * (`tapegrad-wasm-gemm`, `stepGemms.ts`) against the peer's whole step, measured in the same run.
 * When the products alone run fewer steps a second than the goal asks of the whole step, the goal
 * cannot hold without a faster GEMM, whatever the rest of the step costs.
 * @module
 */

/** One goal: `ours` (a GEMM-only implementation) against `goal` × `peer`'s whole step. */
export interface FloorGoal {
  workload: string;
  /** The GEMM-only implementation that stands for the step's floor. */
  ours: string;
  /** The peer whose whole step the goal is set against. */
  peer: string;
  /** The ratio asked: our step rate ≥ goal × the peer's. */
  goal: number;
  /** The threads the goal allows, for the sentence. */
  threads: string;
}

/** Issue 18: W1 ≥ 1.0× numpy-1t on one thread; W2 ≥ 0.55× torch-1t on one thread, ≥ 1.0× on two. */
export const FLOOR_GOALS: readonly FloorGoal[] = [
  { workload: 'W1', ours: 'tapegrad-wasm-gemm', peer: 'numpy-1t', goal: 1.0, threads: 'one thread' },
  { workload: 'W2', ours: 'tapegrad-wasm-gemm', peer: 'torch-1t', goal: 0.55, threads: 'one thread' },
  { workload: 'W2', ours: 'tapegrad-wasm-2t-gemm', peer: 'torch-1t', goal: 1.0, threads: 'two threads' },
];

/** A figure of the run, in steps/s. */
export interface Rate {
  case: string;
  value: number;
}

const ms = (stepsPerS: number) => `${(1000 / stepsPerS).toFixed(stepsPerS > 100 ? 2 : 0)} ms`;
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/**
 * The report's sentence for one goal: the rate the goal asks (goal × the peer's whole step), then
 * each case of `ours` (the products alone) as steps/s, time a step and ratio to the peer's step,
 * and either "cannot hold without a faster GEMM" (the products alone take longer than the goal
 * allows the whole step) or the time a step they leave for everything else. `peerGemm` (the peer's
 * own products alone) adds their share of its step, `flops` (the products' floating-point
 * operations a step) the rate they run at. Undefined when `ours` or `peerStep` is missing.
 */
export function floorVerdict(goal: FloorGoal, ours: readonly Rate[], peerStep: number | undefined, peerGemm?: number, flops?: number): string | undefined {
  if (ours.length === 0 || peerStep === undefined) return undefined;
  const target = goal.goal * peerStep;
  const peerShare = peerGemm === undefined ? '' : `; ${goal.peer}'s own products alone ${fmt(peerGemm)} steps/s, ${((100 * peerStep) / peerGemm).toFixed(0)}% of its step`;
  const cases = ours.map((r) => {
    const gflops = flops === undefined ? '' : `, ${((flops * r.value) / 1e9).toFixed(1)} GFLOP/s`;
    const head = `${r.case} ${fmt(r.value)} steps/s (${ms(r.value)}${gflops}, ${(r.value / peerStep).toFixed(2)}× its step)`;
    if (r.value < target) return `${head}: **cannot hold without a faster GEMM**`;
    return `${head}: leaves ${(1000 / target - 1000 / r.value).toFixed(2)} ms a step for the rest`;
  });
  return `${goal.workload} ≥ ${goal.goal.toFixed(2)}× ${goal.peer} (${goal.threads}): ${goal.peer}'s whole step ${fmt(peerStep)} steps/s, so the goal is ${fmt(target)} steps/s (${ms(target)} a step)${peerShare}. ${goal.ours}, the step's products alone: ${cases.join('; ')}.`;
}
