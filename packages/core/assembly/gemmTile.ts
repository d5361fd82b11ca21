/**
 * The GEMM's micro-kernels: an h × 2-vector (or h × 1-vector) tile of C held in registers for the
 * whole depth of a block, one function per height and width.
 *
 * V8 gives a wasm function 16 vector registers and keeps one: with fused multiply-add a tile holds
 * 12 accumulators (6 rows × 2 vectors) plus two B vectors and one broadcast A value; with a separate
 * multiply and add one more register holds the product, so the tile is 5 rows. The depth loop is not
 * unrolled: TurboFan would hoist the loads of the next iteration and spill.
 */

/** Rows of the largest micro-tile: 6 with relaxed-SIMD FMA, 5 with mul + add. */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;

/** `a·b + c`, lane-wise, fused where relaxed SIMD is on. */
// @ts-ignore: decorator
@inline function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(v128.mul<T>(a, b), c);
}

/**
 * C(H rows × W vectors) = Apanel · Bpanel over `kc` (beta 0), or C + Apanel · Bpanel (beta 1), with
 * C's row stride `ldc` bytes; the A panel holds H values per depth step, every `aStride` bytes (a
 * packed panel's H·S, or A's own row stride when an A stored transposed is read in place), B W vectors
 * every `bStride` bytes (a packed panel's W·16, or B's own row stride when it is read in place).
 * Inlined into one function per (H, W) with both constant.
 *
 * The accumulators start from C (or zero) and are stored once after the loop: loading and adding C
 * after the loop instead made TurboFan spill four accumulators inside it (seen in
 * `--print-wasm-code`), which cost much of the speed.
 *
 * On L1-resident panels the 6×2 tile runs at the FMA loop's speed (`bench/src/fmaPeak.ts`) when the
 * core is the thread's own. V8's depth step holds more than its 12 FMAs (`leaq`s recompute the A
 * loads' offsets, `movl`s widen the addresses, a stack check), and when another thread shares the
 * core those instructions show. The loop ends on the A panel's end rather than on a counter, which
 * saves one add: small f64 products gained at such a moment, and lost nothing otherwise.
 */
// @ts-ignore: decorator
@inline function tile<T>(H: i32, W: i32, kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void {
  const S: usize = sizeof<T>();
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
  let c00 = v128.splat<T>(0 as T), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  let c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  if (beta) {
    c00 = v128.load(c); if (W == 2) c01 = v128.load(c, 16);
    if (H > 1) { c10 = v128.load(c1); if (W == 2) c11 = v128.load(c1, 16); }
    if (H > 2) { c20 = v128.load(c2); if (W == 2) c21 = v128.load(c2, 16); }
    if (H > 3) { c30 = v128.load(c3); if (W == 2) c31 = v128.load(c3, 16); }
    if (H > 4) { c40 = v128.load(c4); if (W == 2) c41 = v128.load(c4, 16); }
    if (H > 5) { c50 = v128.load(c5); if (W == 2) c51 = v128.load(c5, 16); }
  }
  const aEnd = pa + <usize>kc * aStride;
  while (pa < aEnd) {
    const b0 = v128.load(pb);
    let b1 = b0;
    if (W == 2) b1 = v128.load(pb, 16);
    let a = v128.load_splat<T>(pa);
    c00 = madd<T>(a, b0, c00); if (W == 2) c01 = madd<T>(a, b1, c01);
    if (H > 1) {
      a = v128.load_splat<T>(pa, S);
      c10 = madd<T>(a, b0, c10); if (W == 2) c11 = madd<T>(a, b1, c11);
    }
    if (H > 2) {
      a = v128.load_splat<T>(pa, 2 * S);
      c20 = madd<T>(a, b0, c20); if (W == 2) c21 = madd<T>(a, b1, c21);
    }
    if (H > 3) {
      a = v128.load_splat<T>(pa, 3 * S);
      c30 = madd<T>(a, b0, c30); if (W == 2) c31 = madd<T>(a, b1, c31);
    }
    if (H > 4) {
      a = v128.load_splat<T>(pa, 4 * S);
      c40 = madd<T>(a, b0, c40); if (W == 2) c41 = madd<T>(a, b1, c41);
    }
    if (H > 5) {
      a = v128.load_splat<T>(pa, 5 * S);
      c50 = madd<T>(a, b0, c50); if (W == 2) c51 = madd<T>(a, b1, c51);
    }
    pa += aStride;
    pb += bStride;
  }
  v128.store(c, c00); if (W == 2) v128.store(c, c01, 16);
  if (H > 1) { v128.store(c1, c10); if (W == 2) v128.store(c1, c11, 16); }
  if (H > 2) { v128.store(c2, c20); if (W == 2) v128.store(c2, c21, 16); }
  if (H > 3) { v128.store(c3, c30); if (W == 2) v128.store(c3, c31, 16); }
  if (H > 4) { v128.store(c4, c40); if (W == 2) v128.store(c4, c41, 16); }
  if (H > 5) { v128.store(c5, c50); if (W == 2) v128.store(c5, c51, 16); }
}

function tile6x2<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(6, 2, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile5x2<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(5, 2, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile4x2<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(4, 2, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile3x2<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(3, 2, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile2x2<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(2, 2, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile1x2<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(1, 2, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile6x1<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(6, 1, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile5x1<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(5, 1, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile4x1<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(4, 1, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile3x1<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(3, 1, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile2x1<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(2, 1, kc, pa, aStride, pb, bStride, c, ldc, beta); }
function tile1x1<T>(kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(1, 1, kc, pa, aStride, pb, bStride, c, ldc, beta); }

/** The micro-kernel for an `h`-row panel and a B panel of `wide` ? 2 : 1 vectors. */
// @ts-ignore: decorator
@inline export function runTile<T>(h: i32, wide: bool, kc: i32, pa: usize, aStride: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void {
  if (wide) {
    if (h == 6 && MR == 6) tile6x2<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else if (h == 5) tile5x2<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else if (h == 4) tile4x2<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else if (h == 3) tile3x2<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else if (h == 2) tile2x2<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else tile1x2<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
  } else {
    if (h == 6 && MR == 6) tile6x1<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else if (h == 5) tile5x1<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else if (h == 4) tile4x1<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else if (h == 3) tile3x1<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else if (h == 2) tile2x1<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
    else tile1x1<T>(kc, pa, aStride, pb, bStride, c, ldc, beta);
  }
}
