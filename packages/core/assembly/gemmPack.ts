/**
 * The GEMM's packing: op(A) into panels of up to MR rows and op(B) into panels of two vectors' width
 * (8 floats, 4 doubles; the last panel one vector wide when that covers it), both depth-major, read
 * through a row stride and a column stride so that A, Aᵀ, B and Bᵀ all pack to the same layout.
 * Full panels are transposed in registers where the source runs along the other dim.
 */
import { MR } from './gemmTile';

/**
 * The height of the next A panel when `rows` rows of a block are left: MR until the rest can be cut
 * into panels of MR − 1 and MR − 2 rows (a block of fewer rows is one panel).
 */
// @ts-ignore: decorator
@inline export function panelRows(rows: i32): i32 {
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
 * Packs op(A)(i, p) = a[i·rs + p·cs] (element strides), rows [0, rows) × depth [0, kc), into panels
 * of panelRows(…) rows: a panel of h rows starting at row i0 is dst[i0·kc + p·h + r] = op(A)(i0 + r, p).
 */
export function packA<T>(a: usize, rs: i32, cs: i32, rows: i32, kc: i32, dst: usize): void {
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
export function packB<T>(b: usize, rs: i32, cs: i32, kc: i32, cols: i32, dst: usize): void {
  const S: usize = sizeof<T>();
  const NR: i32 = 32 / <i32>S;
  let j0 = 0;
  if (cs == 1 && kc <= ROW_PASS_MAX_DEPTH && cols >= NR) {
    j0 = packFullPanelsByRows<T>(b, rs, kc, cols, dst);
    dst += <usize>(j0 * kc) * S;
  } else if (cs == 1) {
    // four full panels per pass: each visit to a row of B reads 128 contiguous bytes (two cache
    // lines) instead of 32, so a pass touches each row's lines once (a gain on large f32 A·B and
    // Aᵀ·B, paired)
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
 * B blocks at most this deep, stored row-major, are packed by `packFullPanelsByRows` rather than four
 * panels per pass: the weight gradients dyᵀ·x at batch 50 (x's rows 3072 long) gained from it, the
 * 256- and 384-deep blocks of the large products did not.
 */
const ROW_PASS_MAX_DEPTH: i32 = 64;

/**
 * Packs the full panels (NR columns each) of a row-major B block two depth steps at a time: each pass
 * reads two of B's rows front to back and fills one cache line of every panel. Returns the columns
 * packed (`cols` rounded down to NR).
 */
function packFullPanelsByRows<T>(b: usize, rs: i32, kc: i32, cols: i32, dst: usize): i32 {
  const S: usize = sizeof<T>();
  const NR: i32 = 32 / <i32>S;
  const full = cols / NR;
  const panelBytes = <usize>kc * 32;
  const rowBytes = <usize>rs * S;
  let p = 0;
  for (; p + 2 <= kc; p += 2) {
    let src = b + <usize>p * rowBytes;
    let d = dst + <usize>p * 32;
    for (let jp = 0; jp < full; jp++) {
      const x0 = v128.load(src), x1 = v128.load(src, 16);
      const y0 = v128.load(src + rowBytes), y1 = v128.load(src + rowBytes, 16);
      v128.store(d, x0); v128.store(d, x1, 16); v128.store(d, y0, 32); v128.store(d, y1, 48);
      src += 32; d += panelBytes;
    }
  }
  if (p < kc) {
    let src = b + <usize>p * rowBytes;
    let d = dst + <usize>p * 32;
    for (let jp = 0; jp < full; jp++) {
      v128.store(d, v128.load(src)); v128.store(d, v128.load(src, 16), 16);
      src += 32; d += panelBytes;
    }
  }
  return full * NR;
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
    // (faster than 2 steps and half a panel a pass, on the B of the large f64 A·Bᵀ)
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
