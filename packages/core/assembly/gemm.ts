/**
 * GEMM on wasm memory, BLIS-style: op(B) packed into panels of two vectors' width (8 floats, 4
 * doubles; the last panel one vector wide when that covers it), op(A) into panels of up to MR rows,
 * both depth-major, blocked so an A block stays in L2 and a B micro-panel in L1, and a
 * register-blocked micro-kernel holding an h × 2-vector (or h × 1-vector) tile of C in registers for
 * the whole depth of a block.
 *
 * V8 gives a wasm function 16 vector registers and keeps one: with fused multiply-add a tile holds
 * 12 accumulators (6 rows × 2 vectors) plus two B vectors and one broadcast A value; with a separate
 * multiply and add one more register holds the product, so the tile is 5 rows. The depth loop is not
 * unrolled: TurboFan would hoist the loads of the next iteration and spill.
 *
 * The rows of an A block are cut into panels of MR rows and, at the end, MR − 1 or MR − 2 rows so
 * that no panel is padded (500 = 82·6 + 4 + 4, 50 = 7·6 + 4 + 4): a padded panel spends a full tile's
 * time on fewer rows, 8% of the notebook's 50-row products. Each height has its own micro-kernel.
 *
 * A B stored row-major is read in place (its rows are the micro-kernel's depth steps already) when
 * C's rows fit one A block (72 rows, 60 in the mul + add build): there few A panels reuse each B
 * panel, and packing copied all of B for that (5×3072·3072×100: +33%, 10 rows +17%, 50 rows +2 to
 * 6%; from 100 rows on, packing is 1–3% faster).
 */

/** Rows of the largest micro-tile: 6 with relaxed-SIMD FMA, 5 with mul + add. */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
/**
 * Depth of a block (k extent): 384 for f32, 256 for f64. Deeper f32 blocks load and store C fewer
 * times over a long k: +1 to 5% on the 3072-deep products in paired runs; f64 gained nothing.
 */
const KC_F32: i32 = 384;
const KC_F64: i32 = 256;
/** The deeper of the two, for sizing the workspace. */
const KC_MAX: i32 = KC_F32;
/** Rows of an A block (at most; blocks are balanced, a multiple of MR but the last). */
const MC: i32 = MR * 12;
/** Columns of a B block (a multiple of 8). */
const NC: i32 = 2048;
/** Products with at most this many rows (one A block) read a row-major B in place instead of packing it. */
const DIRECT_B_MAX_ROWS: i32 = MC;

/** `a·b + c`, lane-wise, fused where relaxed SIMD is on. */
// @ts-ignore: decorator
@inline function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(v128.mul<T>(a, b), c);
}

/** Bytes of scratch `gemm` needs for its packed panels and edge tile. */
export function gemmWorkspaceBytes(elementBytes: i32): i32 {
  return (MC * KC_MAX + KC_MAX * NC + MR * 8 + 64) * elementBytes;
}

/**
 * The height of the next A panel when `rows` rows of a block are left: MR until the rest can be cut
 * into panels of MR − 1 and MR − 2 rows (a block of fewer rows is one panel).
 */
// @ts-ignore: decorator
@inline function panelRows(rows: i32): i32 {
  if (rows <= MR) return rows;
  const r = rows % MR;
  if (MR == 6) {
    // 6…6 then: r 0 → –, 5 → 5, 4 → 4, 3 → 5 4, 2 → 4 4, 1 → 5 4 4 (7 → 4 3)
    if (r == 3) return rows > 9 ? 6 : 5;
    if (r == 2) return rows > 8 ? 6 : 4;
    if (r == 1) return rows > 13 ? 6 : rows == 13 ? 5 : 4;
    return 6;
  }
  // 5…5 then: r 0 → –, 4 → 4, 3 → 4 4, 2 → 4 4 4, 1 → 4 4 4 4 (6 → 4 2, 7 → 4 3, 11 → 4 4 3)
  if (r == 0 || r == 4) return 5;
  return 4;
}

/**
 * C(H rows × W vectors) = Apanel · Bpanel over `kc` (beta 0), or C + Apanel · Bpanel (beta 1), with
 * C's row stride `ldc` bytes; the A panel holds H values per depth step, B W vectors every
 * `bStride` bytes (a packed panel's W·16, or B's own row stride when it is read in place).
 * Inlined into one function per (H, W) with both constant.
 *
 * The accumulators start from C (or zero) and are stored once after the loop: loading and adding C
 * after the loop instead made TurboFan spill four accumulators inside it (seen in
 * `--print-wasm-code`), which cost half the speed.
 *
 * On L1-resident panels the 6×2 tile runs at the FMA loop's speed (`bench/src/fmaPeak.ts`) when the
 * core is the thread's own. V8 makes the depth step 32 instructions for 12 FMAs (4 `leaq`s
 * recompute the A loads' offsets, 2 `movl`s widen the addresses, a stack check), and when another
 * thread shares the core that count shows. The loop ends on the A panel's end rather than on a
 * counter, which saves one add: f64 small products +3 to 8% at such a moment, even otherwise.
 */
// @ts-ignore: decorator
@inline function tile<T>(H: i32, W: i32, kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void {
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
  const aEnd = pa + <usize>(H * kc) * S;
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
    pa += <usize>H * S;
    pb += bStride;
  }
  v128.store(c, c00); if (W == 2) v128.store(c, c01, 16);
  if (H > 1) { v128.store(c1, c10); if (W == 2) v128.store(c1, c11, 16); }
  if (H > 2) { v128.store(c2, c20); if (W == 2) v128.store(c2, c21, 16); }
  if (H > 3) { v128.store(c3, c30); if (W == 2) v128.store(c3, c31, 16); }
  if (H > 4) { v128.store(c4, c40); if (W == 2) v128.store(c4, c41, 16); }
  if (H > 5) { v128.store(c5, c50); if (W == 2) v128.store(c5, c51, 16); }
}

function tile6x2<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(6, 2, kc, pa, pb, bStride, c, ldc, beta); }
function tile5x2<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(5, 2, kc, pa, pb, bStride, c, ldc, beta); }
function tile4x2<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(4, 2, kc, pa, pb, bStride, c, ldc, beta); }
function tile3x2<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(3, 2, kc, pa, pb, bStride, c, ldc, beta); }
function tile2x2<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(2, 2, kc, pa, pb, bStride, c, ldc, beta); }
function tile1x2<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(1, 2, kc, pa, pb, bStride, c, ldc, beta); }
function tile6x1<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(6, 1, kc, pa, pb, bStride, c, ldc, beta); }
function tile5x1<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(5, 1, kc, pa, pb, bStride, c, ldc, beta); }
function tile4x1<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(4, 1, kc, pa, pb, bStride, c, ldc, beta); }
function tile3x1<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(3, 1, kc, pa, pb, bStride, c, ldc, beta); }
function tile2x1<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(2, 1, kc, pa, pb, bStride, c, ldc, beta); }
function tile1x1<T>(kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void { tile<T>(1, 1, kc, pa, pb, bStride, c, ldc, beta); }

/** The micro-kernel for an `h`-row panel and a B panel of `wide` ? 2 : 1 vectors. */
// @ts-ignore: decorator
@inline function runTile<T>(h: i32, wide: bool, kc: i32, pa: usize, pb: usize, bStride: usize, c: usize, ldc: usize, beta: i32): void {
  if (wide) {
    if (h == 6 && MR == 6) tile6x2<T>(kc, pa, pb, bStride, c, ldc, beta);
    else if (h == 5) tile5x2<T>(kc, pa, pb, bStride, c, ldc, beta);
    else if (h == 4) tile4x2<T>(kc, pa, pb, bStride, c, ldc, beta);
    else if (h == 3) tile3x2<T>(kc, pa, pb, bStride, c, ldc, beta);
    else if (h == 2) tile2x2<T>(kc, pa, pb, bStride, c, ldc, beta);
    else tile1x2<T>(kc, pa, pb, bStride, c, ldc, beta);
  } else {
    if (h == 6 && MR == 6) tile6x1<T>(kc, pa, pb, bStride, c, ldc, beta);
    else if (h == 5) tile5x1<T>(kc, pa, pb, bStride, c, ldc, beta);
    else if (h == 4) tile4x1<T>(kc, pa, pb, bStride, c, ldc, beta);
    else if (h == 3) tile3x1<T>(kc, pa, pb, bStride, c, ldc, beta);
    else if (h == 2) tile2x1<T>(kc, pa, pb, bStride, c, ldc, beta);
    else tile1x1<T>(kc, pa, pb, bStride, c, ldc, beta);
  }
}

/**
 * Packs op(A)(i, p) = a[i·rs + p·cs] (element strides), rows [0, rows) × depth [0, kc), into panels
 * of panelRows(…) rows: a panel of h rows starting at row i0 is dst[i0·kc + p·h + r] = op(A)(i0 + r, p).
 */
function packA<T>(a: usize, rs: i32, cs: i32, rows: i32, kc: i32, dst: usize): void {
  const S: usize = sizeof<T>();
  for (let i0 = 0; i0 < rows;) {
    const h = panelRows(rows - i0);
    if (cs == 1) {
      // rows of A are contiguous: the panel is transposed in registers, a few depth steps at a time;
      // the rest is read along each row and written with stride h
      const p0 = packRowsSimd<T>(a + <usize>(i0 * rs) * S, <usize>rs * S, h, kc, dst);
      for (let r = 0; r < h; r++) {
        let src = a + <usize>((i0 + r) * rs + p0) * S;
        let d = dst + <usize>(p0 * h + r) * S;
        for (let p = p0; p < kc; p++) {
          store<T>(d, load<T>(src));
          src += S; d += <usize>h * S;
        }
      }
    } else {
      // A stored transposed: h contiguous values per depth step
      const bytes = <usize>h * S;
      let src = a + <usize>(i0 * rs) * S;
      const step = <usize>cs * S;
      let d = dst;
      if (bytes >= 16) {
        // vectors from the front, the last one ending at the column's end (overlapping the one before)
        const last = bytes - 16;
        for (let p = 0; p < kc; p++) {
          for (let o: usize = 0; o < last; o += 16) v128.store(d + o, v128.load(src + o));
          v128.store(d + last, v128.load(src + last));
          src += step; d += bytes;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r: usize = 0; r < <usize>h; r++) store<T>(d + r * S, load<T>(src + r * S));
          src += step; d += bytes;
        }
      }
    }
    dst += <usize>(h * kc) * S;
    i0 += h;
  }
}

/**
 * Stores the 2×2 transpose of two rows of two f64 (x = [x0, x1], y = [y0, y1]): [x0, y0] at `lo`,
 * [x1, y1] at `hi`.
 */
// @ts-ignore: decorator
@inline function storeTransposedF64(x: v128, y: v128, lo: usize, hi: usize): void {
  v128.store(lo, v128.shuffle<f64>(x, y, 0, 2));
  v128.store(hi, v128.shuffle<f64>(x, y, 1, 3));
}

/**
 * Packs depth steps [0, p) of an h-row panel whose rows are contiguous (`rowBytes` apart) by
 * transposing blocks in registers, for h of 4 to 6: 4 depth steps at a time for f32 (6 rows: 6
 * loads, 14 shuffles, 6 stores for 24 values), 2 for f64. Returns p, where the scalar loop takes
 * over (all of it for other heights).
 */
function packRowsSimd<T>(a: usize, rowBytes: usize, h: i32, kc: i32, dst: usize): i32 {
  const S: usize = sizeof<T>();
  let p = 0;
  if (S == 4) {
    if (h == 6) {
      for (; p + 4 <= kc; p += 4) {
        const at = a + <usize>p * 4;
        const r0 = v128.load(at), r1 = v128.load(at + rowBytes), r2 = v128.load(at + 2 * rowBytes);
        const r3 = v128.load(at + 3 * rowBytes), r4 = v128.load(at + 4 * rowBytes), r5 = v128.load(at + 5 * rowBytes);
        const ab0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), ab1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const cd0 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), cd1 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const ef0 = v128.shuffle<f32>(r4, r5, 0, 4, 1, 5), ef1 = v128.shuffle<f32>(r4, r5, 2, 6, 3, 7);
        const t1 = v128.shuffle<f32>(ab0, cd0, 2, 3, 6, 7), t3 = v128.shuffle<f32>(ab1, cd1, 2, 3, 6, 7);
        const d = dst + <usize>p * 24;
        v128.store(d, v128.shuffle<f32>(ab0, cd0, 0, 1, 4, 5));
        v128.store(d, v128.shuffle<f32>(ef0, t1, 0, 1, 4, 5), 16);
        v128.store(d, v128.shuffle<f32>(t1, ef0, 2, 3, 6, 7), 32);
        v128.store(d, v128.shuffle<f32>(ab1, cd1, 0, 1, 4, 5), 48);
        v128.store(d, v128.shuffle<f32>(ef1, t3, 0, 1, 4, 5), 64);
        v128.store(d, v128.shuffle<f32>(t3, ef1, 2, 3, 6, 7), 80);
      }
    } else if (h == 4 || h == 5) {
      // rows 0-3 by a 4×4 transpose; a fifth row's values go in one at a time
      const hb = <usize>h * 4;
      for (; p + 4 <= kc; p += 4) {
        const at = a + <usize>p * 4;
        const r0 = v128.load(at), r1 = v128.load(at + rowBytes), r2 = v128.load(at + 2 * rowBytes), r3 = v128.load(at + 3 * rowBytes);
        const ab0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), ab1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const cd0 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), cd1 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const d = dst + <usize>p * hb;
        v128.store(d, v128.shuffle<f32>(ab0, cd0, 0, 1, 4, 5));
        v128.store(d + hb, v128.shuffle<f32>(ab0, cd0, 2, 3, 6, 7));
        v128.store(d + 2 * hb, v128.shuffle<f32>(ab1, cd1, 0, 1, 4, 5));
        v128.store(d + 3 * hb, v128.shuffle<f32>(ab1, cd1, 2, 3, 6, 7));
        if (h == 5) {
          const r4 = v128.load(at + 4 * rowBytes);
          v128.store32_lane(d, r4, 0, 16);
          v128.store32_lane(d + hb, r4, 1, 16);
          v128.store32_lane(d + 2 * hb, r4, 2, 16);
          v128.store32_lane(d + 3 * hb, r4, 3, 16);
        }
      }
    }
  } else if (S == 8 && h >= 4) {
    for (; p + 2 <= kc; p += 2) {
      const at = a + <usize>p * 8;
      const r0 = v128.load(at), r1 = v128.load(at + rowBytes), r2 = v128.load(at + 2 * rowBytes);
      const r3 = v128.load(at + 3 * rowBytes);
      const d = dst + <usize>(p * h) * 8;
      if (h == 6) {
        const r4 = v128.load(at + 4 * rowBytes), r5 = v128.load(at + 5 * rowBytes);
        storeTransposedF64(r0, r1, d, d + 48);
        storeTransposedF64(r2, r3, d + 16, d + 64);
        storeTransposedF64(r4, r5, d + 32, d + 80);
      } else if (h == 5) {
        const r4 = v128.load(at + 4 * rowBytes);
        v128.store(d, v128.shuffle<f64>(r0, r1, 0, 2));
        v128.store(d, v128.shuffle<f64>(r2, r3, 0, 2), 16);
        v128.store(d, v128.shuffle<f64>(r4, r0, 0, 3), 32);
        v128.store(d, v128.shuffle<f64>(r1, r2, 1, 3), 48);
        v128.store(d, v128.shuffle<f64>(r3, r4, 1, 3), 64);
      } else if (h == 4) {
        storeTransposedF64(r0, r1, d, d + 32);
        storeTransposedF64(r2, r3, d + 16, d + 48);
      }
    }
  }
  return p;
}

/**
 * Packs op(B)(p, j) = b[p·rs + j·cs], depth [0, kc) × columns [0, cols), into panels of NR = 32/S
 * columns, the last one NR/2 wide when that covers it: a panel of width v starting at column j0 is
 * dst[j0·kc + p·v + j] = op(B)(p, j0 + j); columns past the end are zero.
 */
function packB<T>(b: usize, rs: i32, cs: i32, kc: i32, cols: i32, dst: usize): void {
  const S: usize = sizeof<T>();
  const NR: i32 = 32 / <i32>S;
  let j0 = 0;
  if (cs == 1) {
    // four full panels per pass: each visit to a row of B reads 128 contiguous bytes (two cache
    // lines) instead of 32, so a pass touches each row's lines once (f32 500×3072×1000 A·B and
    // Aᵀ·B: +0.3 to 2% paired)
    const panelBytes = <usize>kc * 32;
    for (; j0 + 4 * NR <= cols; j0 += 4 * NR) {
      let src = b + <usize>j0 * S;
      let d = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(src)); v128.store(d, v128.load(src, 16), 16);
        v128.store(d + panelBytes, v128.load(src, 32)); v128.store(d + panelBytes, v128.load(src, 48), 16);
        v128.store(d + 2 * panelBytes, v128.load(src, 64)); v128.store(d + 2 * panelBytes, v128.load(src, 80), 16);
        v128.store(d + 3 * panelBytes, v128.load(src, 96)); v128.store(d + 3 * panelBytes, v128.load(src, 112), 16);
        src += <usize>rs * S; d += 32;
      }
      dst += 4 * panelBytes;
    }
  }
  for (; j0 < cols; j0 += NR) {
    const w = min(NR, cols - j0);
    const v = w > NR / 2 ? NR : NR / 2;
    const vb = <usize>v * S;
    if (cs == 1 && w == NR) {
      let src = b + <usize>j0 * S;
      let d = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += <usize>rs * S; d += 32;
      }
    } else if (cs == 1 && w == NR / 2) {
      let src = b + <usize>j0 * S;
      let d = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(src));
        src += <usize>rs * S; d += 16;
      }
    } else if (cs == 1) {
      for (let p = 0; p < kc; p++) {
        const src = b + <usize>(p * rs + j0) * S;
        const d = dst + <usize>p * vb;
        let j = 0;
        for (; j < w; j++) store<T>(d + <usize>j * S, load<T>(src + <usize>j * S));
        for (; j < v; j++) store<T>(d + <usize>j * S, 0 as T);
      }
    } else if (w == v) {
      // B stored transposed, a full panel: v contiguous rows of storage, transposed in registers
      const p0 = packTransposedSimd<T>(b + <usize>(j0 * cs) * S, <usize>cs * S, v, kc, dst);
      for (let j = 0; j < v; j++) {
        let src = b + <usize>((j0 + j) * cs + p0 * rs) * S;
        let d = dst + <usize>(p0 * v + j) * S;
        for (let p = p0; p < kc; p++) { store<T>(d, load<T>(src)); src += <usize>rs * S; d += vb; }
      }
    } else {
      // B stored transposed: each column of op(B) is contiguous in memory
      for (let j = 0; j < v; j++) {
        let d = dst + <usize>j * S;
        if (j < w) {
          let src = b + <usize>((j0 + j) * cs) * S;
          for (let p = 0; p < kc; p++) { store<T>(d, load<T>(src)); src += <usize>rs * S; d += vb; }
        } else {
          for (let p = 0; p < kc; p++) { store<T>(d, 0 as T); d += vb; }
        }
      }
    }
    dst += <usize>kc * vb;
  }
}

/**
 * Packs depth steps [0, p) of a full B panel of `v` columns stored transposed (v rows of storage
 * `rowBytes` apart, each contiguous along the depth) into the depth-major panel layout, 4 steps at a
 * time for f32 (4×4 transposes in registers) and for a full f64 panel, 2 for a half one. Returns p;
 * the caller packs the rest.
 */
function packTransposedSimd<T>(b: usize, rowBytes: usize, v: i32, kc: i32, dst: usize): i32 {
  const S: usize = sizeof<T>();
  const vb = <usize>v * S;
  let p = 0;
  if (S == 4) {
    for (; p + 4 <= kc; p += 4) {
      const at = b + <usize>p * 4, d = dst + <usize>p * vb;
      for (let half: usize = 0; half < <usize>v / 4; half++) {
        const base = at + half * 4 * rowBytes;
        const r0 = v128.load(base), r1 = v128.load(base + rowBytes), r2 = v128.load(base + 2 * rowBytes), r3 = v128.load(base + 3 * rowBytes);
        const ab0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), ab1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const cd0 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), cd1 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const o = d + half * 16;
        v128.store(o, v128.shuffle<f32>(ab0, cd0, 0, 1, 4, 5));
        v128.store(o + vb, v128.shuffle<f32>(ab0, cd0, 2, 3, 6, 7));
        v128.store(o + 2 * vb, v128.shuffle<f32>(ab1, cd1, 0, 1, 4, 5));
        v128.store(o + 3 * vb, v128.shuffle<f32>(ab1, cd1, 2, 3, 6, 7));
      }
    }
  } else if (v == 4) {
    // f64, a full panel: 4 depth steps per pass, two vectors from each of its 4 rows of storage
    // (the B of 500×3072×1000 A·Bᵀ: 2.6 ms packed 2 steps and half a panel a pass, 1.7 ms this way)
    const r1 = rowBytes, r2 = rowBytes * 2, r3 = rowBytes * 3;
    for (; p + 4 <= kc; p += 4) {
      const at = b + <usize>p * 8, d = dst + <usize>p * 32;
      const a0 = v128.load(at), a1 = v128.load(at, 16);
      const b0 = v128.load(at + r1), b1 = v128.load(at + r1, 16);
      const c0 = v128.load(at + r2), c1 = v128.load(at + r2, 16);
      const d0 = v128.load(at + r3), d1 = v128.load(at + r3, 16);
      storeTransposedF64(a0, b0, d, d + 32);
      storeTransposedF64(c0, d0, d + 16, d + 48);
      storeTransposedF64(a1, b1, d + 64, d + 96);
      storeTransposedF64(c1, d1, d + 80, d + 112);
    }
  } else {
    for (; p + 2 <= kc; p += 2) {
      const at = b + <usize>p * 8, d = dst + <usize>p * vb;
      for (let half: usize = 0; half < <usize>v / 2; half++) {
        const base = at + half * 2 * rowBytes;
        const r0 = v128.load(base), r1 = v128.load(base + rowBytes);
        const o = d + half * 16;
        storeTransposedF64(r0, r1, o, o + vb);
      }
    }
  }
  return p;
}

/**
 * C = op(A)·op(B) (accumulate 0) or C += op(A)·op(B), all row-major in this memory; `a`, `b`, `c` are
 * byte addresses, `lda`, `ldb`, `ldc` element row strides, `transA`/`transB` mean stored transposed.
 * `work` is gemmWorkspaceBytes(sizeof<T>) bytes of scratch, 16-byte aligned.
 */
function gemm<T>(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, work: usize,
): void {
  const S: usize = sizeof<T>();
  const NR: i32 = 32 / <i32>S;
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>(i * ldc) * S, 0, <usize>n * S);
    return;
  }
  const ars = transA ? 1 : lda, acs = transA ? lda : 1;
  const brs = transB ? 1 : ldb, bcs = transB ? ldb : 1;
  const packedA = work;
  const KC: i32 = S == 4 ? KC_F32 : KC_F64;
  const packedB = packedA + <usize>(MC * KC) * S;
  const edge = packedB + <usize>(KC * NC) * S;
  const ldcBytes = <usize>ldc * S;
  // A blocks of (about) equal height, a multiple of MR but the last, at most MC
  const blocks = (m + MC - 1) / MC;
  const mc = min(MC, ((m + blocks - 1) / blocks + MR - 1) / MR * MR);
  // a B stored row-major (not transposed) is read in place when few A panels reuse each B panel:
  // packing would copy all of B for little reuse
  const directB = bcs == 1 && m <= DIRECT_B_MAX_ROWS;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const cols = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const beta = accumulate || p0 > 0 ? 1 : 0;
      // B read in place: only a last, narrower panel is packed (zero-padded to its vector width)
      const fullCols = directB ? cols / NR * NR : 0;
      if (fullCols < cols) {
        packB<T>(b + <usize>(p0 * brs + (j0 + fullCols) * bcs) * S, brs, bcs, kc, cols - fullCols, packedB + <usize>(fullCols * kc) * S);
      }
      for (let i0 = 0; i0 < m; i0 += mc) {
        const rows = min(mc, m - i0);
        packA<T>(a + <usize>(i0 * ars + p0 * acs) * S, ars, acs, rows, kc, packedA);
        for (let jr = 0; jr < cols; jr += NR) {
          const w = min(NR, cols - jr);
          const wide = w > NR / 2;
          const v = wide ? NR : NR / 2;
          const inPlace = jr < fullCols;
          const pb = inPlace ? b + <usize>(p0 * brs + j0 + jr) * S : packedB + <usize>(jr * kc) * S;
          const bStride: usize = inPlace ? <usize>brs * S : <usize>v * S;
          let pa = packedA;
          for (let ir = 0; ir < rows;) {
            const h = panelRows(rows - ir);
            const cTile = c + <usize>((i0 + ir) * ldc + j0 + jr) * S;
            if (w == v) {
              runTile<T>(h, wide, kc, pa, pb, bStride, cTile, ldcBytes, beta);
            } else {
              runTile<T>(h, wide, kc, pa, pb, bStride, edge, 32, 0);
              for (let r = 0; r < h; r++) {
                const dst = cTile + <usize>r * ldcBytes, src = edge + <usize>(r * 32);
                for (let j = 0; j < w; j++) {
                  const x = load<T>(src + <usize>j * S);
                  store<T>(dst + <usize>j * S, beta ? load<T>(dst + <usize>j * S) + x : x);
                }
              }
            }
            pa += <usize>(h * kc) * S;
            ir += h;
          }
        }
      }
    }
  }
}

export function gemmF32(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, work: usize,
): void {
  gemm<f32>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, work);
}

export function gemmF64(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32, work: usize,
): void {
  gemm<f64>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, work);
}

