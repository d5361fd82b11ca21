/**
 * Elementwise kernels on wasm memory: the Adam update, ReLU and its backward, a bias added to every
 * row, and column sums. Each runs four floats (two doubles) per SIMD step with a scalar tail;
 * addresses are bytes, counts are elements.
 */

/**
 * One Adam step in place, computed in T as PyTorch does but for √v̂ multiplied by 1/bc2Sqrt (rounded to
 * T once a call) where PyTorch divides by bc2Sqrt: the loop is bound by its square root and divisions,
 * and that division was one of three. `vmax` 0 means no amsgrad. Without weight decay (`l2` 0,
 * `shrink` 1, as PyTorch skips it when weight_decay is 0) the loop reads the gradient as it is: two
 * multiplies and an add fewer per vector.
 */
function adam<T>(
  n: i32, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  b1: f64, b2: f64, stepSize: f64, bc2Sqrt: f64, eps: f64, l2: f64, shrink: f64,
): void {
  if (l2 == 0 && shrink == 1) adamLoop<T>(false, n, p, g, m, v, vmax, b1, b2, stepSize, bc2Sqrt, eps, l2, shrink);
  else adamLoop<T>(true, n, p, g, m, v, vmax, b1, b2, stepSize, bc2Sqrt, eps, l2, shrink);
}

/** The Adam loop, with the weight decay (`decay`, a constant once inlined) or without it. */
// @ts-ignore: decorator
@inline function adamLoop<T>(
  decay: bool, n: i32, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  b1: f64, b2: f64, stepSize: f64, bc2Sqrt: f64, eps: f64, l2: f64, shrink: f64,
): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const B1 = v128.splat<T>(b1 as T), B1c = v128.splat<T>((1 - b1) as T);
  const B2 = v128.splat<T>(b2 as T), B2c = v128.splat<T>((1 - b2) as T);
  const STEP = v128.splat<T>(stepSize as T), EPS = v128.splat<T>(eps as T);
  const rbc2 = (1 / bc2Sqrt) as T, RBC2 = v128.splat<T>(rbc2);
  const L2 = v128.splat<T>(l2 as T), SHRINK = v128.splat<T>(shrink as T);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i * S;
    let w = v128.load(p + o);
    let gi = v128.load(g + o);
    if (decay) {
      w = v128.mul<T>(w, SHRINK);
      gi = v128.add<T>(gi, v128.mul<T>(L2, w));
    }
    const mi = v128.add<T>(v128.mul<T>(B1, v128.load(m + o)), v128.mul<T>(B1c, gi));
    const vi = v128.add<T>(v128.mul<T>(B2, v128.load(v + o)), v128.mul<T>(B2c, v128.mul<T>(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    let vh = vi;
    if (vmax) {
      vh = v128.max<T>(v128.load(vmax + o), vi);
      v128.store(vmax + o, vh);
    }
    const denom = v128.add<T>(v128.mul<T>(v128.sqrt<T>(vh), RBC2), EPS);
    w = v128.sub<T>(w, v128.mul<T>(STEP, v128.div<T>(mi, denom)));
    v128.store(p + o, w);
  }
  for (; i < n; i++) {
    const o = <usize>i * S;
    let w = load<T>(p + o);
    let gi = load<T>(g + o);
    if (decay) {
      w *= shrink as T;
      gi += (l2 as T) * w;
    }
    const mi = (b1 as T) * load<T>(m + o) + ((1 - b1) as T) * gi;
    const vi = (b2 as T) * load<T>(v + o) + ((1 - b2) as T) * (gi * gi);
    store<T>(m + o, mi);
    store<T>(v + o, vi);
    let vh = vi;
    if (vmax) {
      vh = max<T>(load<T>(vmax + o), vi);
      store<T>(vmax + o, vh);
    }
    const denom = sqrt<T>(vh) * rbc2 + (eps as T);
    store<T>(p + o, w - (stepSize as T) * (mi / denom));
  }
}

export function adamF32(
  n: i32, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  b1: f64, b2: f64, stepSize: f64, bc2Sqrt: f64, eps: f64, l2: f64, shrink: f64,
): void {
  adam<f32>(n, p, g, m, v, vmax, b1, b2, stepSize, bc2Sqrt, eps, l2, shrink);
}

export function adamF64(
  n: i32, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  b1: f64, b2: f64, stepSize: f64, bc2Sqrt: f64, eps: f64, l2: f64, shrink: f64,
): void {
  adam<f64>(n, p, g, m, v, vmax, b1, b2, stepSize, bc2Sqrt, eps, l2, shrink);
}

/** y = max(x, 0); NaN stays NaN. */
function relu<T>(n: i32, x: usize, y: usize): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const zero = v128.splat<T>(0 as T);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i * S;
    const v = v128.load(x + o);
    const keep = v128.or(v128.gt<T>(v, zero), v128.ne<T>(v, v));
    v128.store(y + o, v128.and(v, keep));
  }
  for (; i < n; i++) {
    const o = <usize>i * S;
    const v = load<T>(x + o);
    store<T>(y + o, v > 0 || v != v ? v : 0 as T);
  }
}

export function reluF32(n: i32, x: usize, y: usize): void { relu<f32>(n, x, y); }
export function reluF64(n: i32, x: usize, y: usize): void { relu<f64>(n, x, y); }

/** dx = y > 0 ? dy : 0. */
function reluBackward<T>(n: i32, y: usize, dy: usize, dx: usize): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  const zero = v128.splat<T>(0 as T);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = <usize>i * S;
    v128.store(dx + o, v128.and(v128.load(dy + o), v128.gt<T>(v128.load(y + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i * S;
    store<T>(dx + o, load<T>(y + o) > 0 ? load<T>(dy + o) : 0 as T);
  }
}

export function reluBackwardF32(n: i32, y: usize, dy: usize, dx: usize): void { reluBackward<f32>(n, y, dy, dx); }
export function reluBackwardF64(n: i32, y: usize, dy: usize, dx: usize): void { reluBackward<f64>(n, y, dy, dx); }

/** y[i, j] += bias[j] over a contiguous rows × cols matrix. */
function addRowVector<T>(rows: i32, cols: i32, y: usize, bias: usize): void {
  const S: usize = sizeof<T>();
  const L: i32 = 16 / <i32>S;
  for (let r = 0; r < rows; r++) {
    const row = y + <usize>(r * cols) * S;
    let j = 0;
    for (; j + L <= cols; j += L) {
      const o = <usize>j * S;
      v128.store(row + o, v128.add<T>(v128.load(row + o), v128.load(bias + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j * S;
      store<T>(row + o, load<T>(row + o) + load<T>(bias + o));
    }
  }
}

export function addRowVectorF32(rows: i32, cols: i32, y: usize, bias: usize): void { addRowVector<f32>(rows, cols, y, bias); }
export function addRowVectorF64(rows: i32, cols: i32, y: usize, bias: usize): void { addRowVector<f64>(rows, cols, y, bias); }

/** Two elements of T at `ptr` as an f64x2. */
// @ts-ignore: decorator
@inline export function load2<T>(ptr: usize): v128 {
  if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(ptr));
  return v128.load(ptr);
}

/** The sum of the lanes of an f64x2. */
// @ts-ignore: decorator
@inline export function total(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Stores an f64x2 as two elements of T at `ptr`. */
// @ts-ignore: decorator
@inline export function store2<T>(ptr: usize, v: v128): void {
  if (sizeof<T>() == 4) v128.store64_lane(ptr, f32x4.demote_f64x2_zero(v), 0);
  else v128.store(ptr, v);
}

/**
 * out[j] = Σ_i x[i, j] in f64 (out: f64 array), over a rows × cols matrix whose rows are `ld`
 * elements apart (a strip of a wider matrix, for a thread's share of the columns). Each column sums
 * its rows in order, whichever strip it falls in.
 */
export function columnSums<T>(rows: i32, cols: i32, ld: i32, x: usize, out: usize): void {
  const S: usize = sizeof<T>();
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let s0 = f64x2.splat(0), s1 = s0;
    let at = x + <usize>j * S;
    for (let r = 0; r < rows; r++) {
      s0 = f64x2.add(s0, load2<T>(at));
      s1 = f64x2.add(s1, load2<T>(at + 2 * S));
      at += <usize>ld * S;
    }
    v128.store(out + <usize>j * 8, s0);
    v128.store(out + <usize>j * 8, s1, 16);
  }
  for (; j < cols; j++) {
    let s: f64 = 0;
    for (let r = 0; r < rows; r++) s += <f64>load<T>(x + <usize>(r * ld + j) * S);
    store<f64>(out + <usize>j * 8, s);
  }
}

export function sumRowsF32(rows: i32, cols: i32, ld: i32, x: usize, out: usize): void { columnSums<f32>(rows, cols, ld, x, out); }
export function sumRowsF64(rows: i32, cols: i32, ld: i32, x: usize, out: usize): void { columnSums<f64>(rows, cols, ld, x, out); }
