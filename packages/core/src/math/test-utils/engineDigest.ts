/**
 * What the engine-independence test computes, the same code in Node and in Chromium: digests of the
 * ports' outputs, of core's gaussians and of logspace, and how often the engine's own `Math.log`,
 * `Math.exp` and `Math.pow` disagree with the ports.
 * @module
 */
import { RandomState } from '../../random/randomState.js';
import { logspace } from '../../creation.js';
import { fdlibmExp } from '../fdlibmExp.js';
import { fdlibmLog } from '../fdlibmLog.js';
import { fdlibmPow } from '../fdlibmPow.js';
import { expArguments, logArguments, powArguments, same } from './doubles.js';

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** A digest of the doubles' bits (FNV-1a over their 32-bit words, as hex). */
function digest(values: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < values.length; i++) {
    bits[0] = values[i]!;
    h = Math.imul(h ^ words[0]!, 0x01000193);
    h = Math.imul(h ^ words[1]!, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** What one engine computes. */
export interface EngineDigest {
  /** The digests of fdlibmLog, fdlibmExp and fdlibmPow over their arguments. */
  log: string;
  exp: string;
  pow: string;
  /** The digest of a million gaussians after seed 231, and their first three. */
  gaussians: string;
  firstGaussians: number[];
  /** logspace(-4, 0, 20) in float64: the notebook's weight scales. */
  weightScales: number[];
  /** How many arguments the engine's Math.log / Math.exp / Math.pow give other bits than the ports, of how many. */
  mathLogDiffers: number;
  mathExpDiffers: number;
  mathPowDiffers: number;
  logCount: number;
  expCount: number;
  powCount: number;
}

/** Computes {@link EngineDigest} with `n` arguments of each kind. */
export function engineDigest(n: number): EngineDigest {
  const xs = logArguments(n);
  const logs = new Float64Array(xs.length);
  let mathLogDiffers = 0;
  for (let i = 0; i < xs.length; i++) {
    logs[i] = fdlibmLog(xs[i]!);
    if (!same(logs[i]!, Math.log(xs[i]!))) mathLogDiffers++;
  }
  const es = expArguments(n);
  const exps = new Float64Array(es.length);
  let mathExpDiffers = 0;
  for (let i = 0; i < es.length; i++) {
    exps[i] = fdlibmExp(es[i]!);
    if (!same(exps[i]!, Math.exp(es[i]!))) mathExpDiffers++;
  }
  const xys = powArguments(n);
  const pows = new Float64Array(xys.length / 2);
  let mathPowDiffers = 0;
  for (let i = 0; i < pows.length; i++) {
    pows[i] = fdlibmPow(xys[2 * i]!, xys[2 * i + 1]!);
    if (!same(pows[i]!, Math.pow(xys[2 * i]!, xys[2 * i + 1]!))) mathPowDiffers++;
  }
  const gaussians = new Float64Array(1_000_000);
  new RandomState(231).fillRandn(gaussians);
  return {
    log: digest(logs), exp: digest(exps), pow: digest(pows), gaussians: digest(gaussians), firstGaussians: Array.from(gaussians.subarray(0, 3)),
    weightScales: Array.from(logspace(-4, 0, 20, { dtype: 'float64' }).toFloat64Array()),
    mathLogDiffers, mathExpDiffers, mathPowDiffers, logCount: xs.length, expCount: exps.length, powCount: pows.length,
  };
}
