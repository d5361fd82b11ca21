/**
 * GEMM on wasm memory, BLIS-style: op(B) packed into panels of two vectors' width (8 floats, 4
 * doubles), op(A) into panels of MR rows, both depth-major, blocked so an A block stays in L2 and a
 * B micro-panel in L1, and a register-blocked micro-kernel holding an MR × 2-vector tile of C in
 * registers for the whole depth of a block.
 *
 * V8 gives a wasm function 16 vector registers and keeps one: with fused multiply-add a tile holds
 * 12 accumulators (6 rows × 2 vectors) plus two B vectors and one broadcast A value; with a separate
 * multiply and add one more register holds the product, so the tile is 5 rows. The depth loop is not
 * unrolled: TurboFan would hoist the loads of the next iteration and spill.
 */

/** Rows of the micro-tile: 6 with relaxed-SIMD FMA, 5 with mul + add. */
export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
/** Depth of a block (k extent). */
const KC: i32 = 256;
/** Rows of an A block (a multiple of MR). */
const MC: i32 = MR * 12;
/** Columns of a B block (a multiple of 8). */
const NC: i32 = 2048;

/** `a·b + c`, lane-wise, fused where relaxed SIMD is on. */
// @ts-ignore: decorator
@inline function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(v128.mul<T>(a, b), c);
}

/** Bytes of scratch `gemm` needs for its packed panels and edge tile. */
export function gemmWorkspaceBytes(elementBytes: i32): i32 {
  return (MC * KC + KC * NC + MR * 8 + 64) * elementBytes;
}

/**
 * C(MR × 2 vectors) = Apanel · Bpanel over `kc` (beta 0), or C + Apanel · Bpanel (beta 1), with C's
 * row stride `ldc` bytes. Two vectors are 8 floats or 4 doubles.
 *
 * The accumulators start from C (or zero) and are stored once after the loop: loading and adding C
 * after the loop instead made TurboFan spill four accumulators inside it (seen in
 * `--print-wasm-code`), which cost half the speed.
 */
function kernel<T>(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, beta: i32): void {
  const S: usize = sizeof<T>();
  const c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
  let c00 = v128.splat<T>(0 as T), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  let c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  if (beta) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c1); c11 = v128.load(c1, 16);
    c20 = v128.load(c2); c21 = v128.load(c2, 16);
    c30 = v128.load(c3); c31 = v128.load(c3, 16);
    c40 = v128.load(c4); c41 = v128.load(c4, 16);
    if (MR == 6) { c50 = v128.load(c5); c51 = v128.load(c5, 16); }
  }
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load_splat<T>(pa);
    c00 = madd<T>(a, b0, c00); c01 = madd<T>(a, b1, c01);
    a = v128.load_splat<T>(pa, S);
    c10 = madd<T>(a, b0, c10); c11 = madd<T>(a, b1, c11);
    a = v128.load_splat<T>(pa, 2 * S);
    c20 = madd<T>(a, b0, c20); c21 = madd<T>(a, b1, c21);
    a = v128.load_splat<T>(pa, 3 * S);
    c30 = madd<T>(a, b0, c30); c31 = madd<T>(a, b1, c31);
    a = v128.load_splat<T>(pa, 4 * S);
    c40 = madd<T>(a, b0, c40); c41 = madd<T>(a, b1, c41);
    if (MR == 6) {
      a = v128.load_splat<T>(pa, 5 * S);
      c50 = madd<T>(a, b0, c50); c51 = madd<T>(a, b1, c51);
    }
    pa += <usize>MR * S;
    pb += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c1, c10); v128.store(c1, c11, 16);
  v128.store(c2, c20); v128.store(c2, c21, 16);
  v128.store(c3, c30); v128.store(c3, c31, 16);
  v128.store(c4, c40); v128.store(c4, c41, 16);
  if (MR == 6) { v128.store(c5, c50); v128.store(c5, c51, 16); }
}

/**
 * Packs op(A)(i, p) = a[i·rs + p·cs] (element strides), rows [0, rows) × depth [0, kc), into MR-row
 * panels: dst[q·MR·kc + p·MR + r] = op(A)(q·MR + r, p); rows past the end are zero.
 */
function packA<T>(a: usize, rs: i32, cs: i32, rows: i32, kc: i32, dst: usize): void {
  const S: usize = sizeof<T>();
  for (let i0 = 0; i0 < rows; i0 += MR) {
    const h = min(MR, rows - i0);
    if (cs == 1) {
      // rows of A are contiguous: a full panel is transposed in registers, a few depth steps at a
      // time; the rest is read along each row and written with stride MR
      let p0 = 0;
      if (h == MR) p0 = packRowsSimd<T>(a + <usize>(i0 * rs) * S, <usize>rs * S, kc, dst);
      for (let r = 0; r < h; r++) {
        let src = a + <usize>((i0 + r) * rs + p0) * S;
        let d = dst + <usize>(p0 * MR + r) * S;
        for (let p = p0; p < kc; p++) {
          store<T>(d, load<T>(src));
          src += S; d += <usize>MR * S;
        }
      }
    } else if (h == MR) {
      // A stored transposed, a full panel: MR contiguous values per depth step
      for (let p = 0; p < kc; p++) copyColumn<T>(a + <usize>(i0 * rs + p * cs) * S, dst + <usize>(p * MR) * S);
    } else {
      for (let p = 0; p < kc; p++) {
        const src = a + <usize>(i0 * rs + p * cs) * S;
        const d = dst + <usize>(p * MR) * S;
        for (let r = 0; r < h; r++) store<T>(d + <usize>r * S, load<T>(src + <usize>(r * rs) * S));
      }
    }
    for (let r = h; r < MR; r++) {
      let d = dst + <usize>r * S;
      for (let p = 0; p < kc; p++) { store<T>(d, 0 as T); d += <usize>MR * S; }
    }
    dst += <usize>(MR * kc) * S;
  }
}

/** Copies MR contiguous elements from `src` to `dst` (a packed A column: 24 or 20 floats' worth of bytes). */
// @ts-ignore: decorator
@inline function copyColumn<T>(src: usize, dst: usize): void {
  const bytes: usize = <usize>MR * sizeof<T>();
  v128.store(dst, v128.load(src));
  if (bytes >= 32) v128.store(dst, v128.load(src, 16), 16);
  if (bytes == 24) v128.store64_lane(dst, v128.load64_zero(src, 16), 0, 16);
  if (bytes == 40) v128.store64_lane(dst, v128.load64_zero(src, 32), 0, 32);
  if (bytes == 48) v128.store(dst, v128.load(src, 32), 32);
  if (bytes == 20) store<f32>(dst, load<f32>(src, 16), 16);
}

/**
 * Packs depth steps [0, p) of a full MR-row panel whose rows are contiguous (`rowBytes` apart) by
 * transposing blocks in registers: 4 steps at a time for f32 with MR = 6 (6 loads, 14 shuffles,
 * 6 stores for 24 values), 2 at a time for f64. Returns p, where the scalar loop takes over (the
 * f32 mul + add build, MR = 5, packs everything in the scalar loop).
 */
function packRowsSimd<T>(a: usize, rowBytes: usize, kc: i32, dst: usize): i32 {
  const S: usize = sizeof<T>();
  let p = 0;
  if (S == 4 && MR == 6) {
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
  } else if (S == 8) {
    for (; p + 2 <= kc; p += 2) {
      const at = a + <usize>p * 8;
      const r0 = v128.load(at), r1 = v128.load(at + rowBytes), r2 = v128.load(at + 2 * rowBytes);
      const r3 = v128.load(at + 3 * rowBytes), r4 = v128.load(at + 4 * rowBytes);
      const d = dst + <usize>(p * MR) * 8;
      if (MR == 6) {
        const r5 = v128.load(at + 5 * rowBytes);
        v128.store(d, v128.shuffle<f64>(r0, r1, 0, 2));
        v128.store(d, v128.shuffle<f64>(r2, r3, 0, 2), 16);
        v128.store(d, v128.shuffle<f64>(r4, r5, 0, 2), 32);
        v128.store(d, v128.shuffle<f64>(r0, r1, 1, 3), 48);
        v128.store(d, v128.shuffle<f64>(r2, r3, 1, 3), 64);
        v128.store(d, v128.shuffle<f64>(r4, r5, 1, 3), 80);
      } else {
        v128.store(d, v128.shuffle<f64>(r0, r1, 0, 2));
        v128.store(d, v128.shuffle<f64>(r2, r3, 0, 2), 16);
        v128.store(d, v128.shuffle<f64>(r4, r0, 0, 3), 32);
        v128.store(d, v128.shuffle<f64>(r1, r2, 1, 3), 48);
        v128.store(d, v128.shuffle<f64>(r3, r4, 1, 3), 64);
      }
    }
  }
  return p;
}

/**
 * Packs op(B)(p, j) = b[p·rs + j·cs], depth [0, kc) × columns [0, cols), into panels of NR = 32/S
 * columns: dst[q·NR·kc + p·NR + j] = op(B)(p, q·NR + j); columns past the end are zero.
 */
function packB<T>(b: usize, rs: i32, cs: i32, kc: i32, cols: i32, dst: usize): void {
  const S: usize = sizeof<T>();
  const NR: i32 = 32 / <i32>S;
  for (let j0 = 0; j0 < cols; j0 += NR) {
    const w = min(NR, cols - j0);
    if (cs == 1 && w == NR) {
      let src = b + <usize>j0 * S;
      let d = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += <usize>rs * S; d += 32;
      }
    } else if (cs == 1) {
      for (let p = 0; p < kc; p++) {
        const src = b + <usize>(p * rs + j0) * S;
        const d = dst + <usize>(p * NR) * S;
        let j = 0;
        for (; j < w; j++) store<T>(d + <usize>j * S, load<T>(src + <usize>j * S));
        for (; j < NR; j++) store<T>(d + <usize>j * S, 0 as T);
      }
    } else if (w == NR) {
      // B stored transposed, a full panel: NR contiguous rows of storage, transposed in registers
      const p0 = packTransposedSimd<T>(b + <usize>(j0 * cs) * S, <usize>cs * S, kc, dst);
      for (let j = 0; j < NR; j++) {
        let src = b + <usize>((j0 + j) * cs + p0 * rs) * S;
        let d = dst + <usize>(p0 * NR + j) * S;
        for (let p = p0; p < kc; p++) { store<T>(d, load<T>(src)); src += <usize>rs * S; d += 32; }
      }
    } else {
      // B stored transposed: each column of op(B) is contiguous in memory
      for (let j = 0; j < NR; j++) {
        let d = dst + <usize>j * S;
        if (j < w) {
          let src = b + <usize>((j0 + j) * cs) * S;
          for (let p = 0; p < kc; p++) { store<T>(d, load<T>(src)); src += <usize>rs * S; d += 32; }
        } else {
          for (let p = 0; p < kc; p++) { store<T>(d, 0 as T); d += 32; }
        }
      }
    }
    dst += <usize>(NR * kc) * S;
  }
}

/**
 * Packs depth steps [0, p) of a full B panel stored transposed (NR rows of storage `rowBytes` apart,
 * each contiguous along the depth) into the depth-major panel layout, 4 steps at a time for f32
 * (8 loads, two 4×4 transposes, 8 stores) and 2 for f64. Returns p; the caller packs the rest.
 */
function packTransposedSimd<T>(b: usize, rowBytes: usize, kc: i32, dst: usize): i32 {
  const S: usize = sizeof<T>();
  let p = 0;
  if (S == 4) {
    for (; p + 4 <= kc; p += 4) {
      const at = b + <usize>p * 4, d = dst + <usize>p * 32;
      for (let half: usize = 0; half < 2; half++) {
        const base = at + half * 4 * rowBytes;
        const r0 = v128.load(base), r1 = v128.load(base + rowBytes), r2 = v128.load(base + 2 * rowBytes), r3 = v128.load(base + 3 * rowBytes);
        const ab0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), ab1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const cd0 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), cd1 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const o = d + half * 16;
        v128.store(o, v128.shuffle<f32>(ab0, cd0, 0, 1, 4, 5));
        v128.store(o, v128.shuffle<f32>(ab0, cd0, 2, 3, 6, 7), 32);
        v128.store(o, v128.shuffle<f32>(ab1, cd1, 0, 1, 4, 5), 64);
        v128.store(o, v128.shuffle<f32>(ab1, cd1, 2, 3, 6, 7), 96);
      }
    }
  } else {
    for (; p + 2 <= kc; p += 2) {
      const at = b + <usize>p * 8, d = dst + <usize>p * 32;
      const r0 = v128.load(at), r1 = v128.load(at + rowBytes), r2 = v128.load(at + 2 * rowBytes), r3 = v128.load(at + 3 * rowBytes);
      v128.store(d, v128.shuffle<f64>(r0, r1, 0, 2));
      v128.store(d, v128.shuffle<f64>(r2, r3, 0, 2), 16);
      v128.store(d, v128.shuffle<f64>(r0, r1, 1, 3), 32);
      v128.store(d, v128.shuffle<f64>(r2, r3, 1, 3), 48);
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
  const packedB = packedA + <usize>(MC * KC) * S;
  const edge = packedB + <usize>(KC * NC) * S;
  const ldcBytes = <usize>ldc * S;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const cols = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const beta = accumulate || p0 > 0 ? 1 : 0;
      packB<T>(b + <usize>(p0 * brs + j0 * bcs) * S, brs, bcs, kc, cols, packedB);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const rows = min(MC, m - i0);
        packA<T>(a + <usize>(i0 * ars + p0 * acs) * S, ars, acs, rows, kc, packedA);
        for (let jr = 0; jr < cols; jr += NR) {
          const w = min(NR, cols - jr);
          const pb = packedB + <usize>(jr * kc) * S;
          for (let ir = 0; ir < rows; ir += MR) {
            const h = min(MR, rows - ir);
            const pa = packedA + <usize>(ir * kc) * S;
            const cTile = c + <usize>((i0 + ir) * ldc + j0 + jr) * S;
            if (h == MR && w == NR) {
              kernel<T>(kc, pa, pb, cTile, ldcBytes, beta);
            } else {
              kernel<T>(kc, pa, pb, edge, 32, 0);
              for (let r = 0; r < h; r++) {
                const dst = cTile + <usize>r * ldcBytes, src = edge + <usize>(r * 32);
                for (let j = 0; j < w; j++) {
                  const x = load<T>(src + <usize>j * S);
                  store<T>(dst + <usize>j * S, beta ? load<T>(dst + <usize>j * S) + x : x);
                }
              }
            }
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
