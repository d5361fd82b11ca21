/**
 * Bias add, row sums, ReLU and the Adam update in pure TypeScript (the `'js'` kernel set's, see
 * {@link KernelSet}).
 * @module
 * @internal
 */
import type { FloatArray } from '../dtype.js';
import type { AdamStep } from './kernelSet.js';

/** `y[i, j] += bias[j]`: see {@link KernelSet.addRowVector}. */
export function addRowVectorJs(rows: number, cols: number, y: FloatArray, yo: number, bias: FloatArray, bo: number): void {
  for (let i = 0; i < rows; i++) {
    const row = yo + i * cols;
    for (let j = 0; j < cols; j++) y[row + j] = y[row + j]! + bias[bo + j]!;
  }
}

/** `out[j] = Σ_i x[i, j]`: see {@link KernelSet.sumRows}. */
export function sumRowsJs(rows: number, cols: number, x: FloatArray, xo: number, out: Float64Array): void {
  out.fill(0, 0, cols);
  for (let i = 0; i < rows; i++) {
    const row = xo + i * cols;
    for (let j = 0; j < cols; j++) out[j] = out[j]! + x[row + j]!;
  }
}

/** `y = max(x, 0)`: see {@link KernelSet.relu}. */
export function reluJs(n: number, x: FloatArray, xo: number, y: FloatArray, yo: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    y[yo + i] = v > 0 || v !== v ? v : 0;
  }
}

/** `dx = y > 0 ? dy : 0`: see {@link KernelSet.reluBackward}. */
export function reluBackwardJs(n: number, y: FloatArray, yo: number, dy: FloatArray, dyo: number, dx: FloatArray, dxo: number): void {
  for (let i = 0; i < n; i++) dx[dxo + i] = y[yo + i]! > 0 ? dy[dyo + i]! : 0;
}

/** One Adam step in place: see {@link KernelSet.adamUpdate}. */
export function adamUpdateJs(
  n: number, w: FloatArray, wo: number, g: FloatArray, go: number,
  m: FloatArray, v: FloatArray, vMax: FloatArray | null, s: AdamStep,
): void {
  const { beta1: b1, beta2: b2, stepSize, bc2Sqrt, eps, l2, shrink } = s;
  const vv = vMax ?? v;
  const rbc2 = 1 / bc2Sqrt;
  for (let i = 0; i < n; i++) {
    const p = w[wo + i]! * shrink;
    const gi = g[go + i]! + l2 * p;
    m[i] = b1 * m[i]! + (1 - b1) * gi;
    v[i] = b2 * v[i]! + (1 - b2) * (gi * gi);
    if (vMax !== null && v[i]! > vMax[i]!) vMax[i] = v[i]!;
    const denom = Math.sqrt(vv[i]!) * rbc2 + eps;
    w[wo + i] = p - stepSize * (m[i]! / denom);
  }
}
