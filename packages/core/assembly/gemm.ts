/**
 * GEMM on wasm memory, BLIS-style; this file is the driver. op(B) is packed into panels of two
 * vectors' width and op(A) into panels of up to MR rows, both depth-major (`gemmPack.ts`), blocked
 * so an A block stays in L2 and a B micro-panel in L1, and a register-blocked micro-kernel
 * (`gemmTile.ts`) holds an h × 2-vector (or h × 1-vector) tile of C in registers for the whole depth
 * of a block.
 *
 * The rows of an A block are cut into panels of MR rows and, at the end, MR − 1 or MR − 2 rows so
 * that no panel is padded (500 = 82·6 + 4 + 4, 50 = 7·6 + 4 + 4): a padded panel spends a full tile's
 * time on fewer rows, which the notebook's 50-row products felt. Each height has its own micro-kernel.
 *
 * A B stored row-major is read in place (its rows are the micro-kernel's depth steps already) when
 * C's rows fit one A block (72 rows, 60 in the mul + add build): there few A panels reuse each B
 * panel, and packing copied all of B for that; with more rows, packing pays. Likewise an A stored
 * transposed (each depth step's values of a panel contiguous) is read in place when it is small: rows
 * spanning at most 32 KiB, or at most 8 deep (see DIRECT_A_MAX_BYTES). The measured figures behind
 * these choices are in bench/README.md.
 */
import { MR, runTile } from './gemmTile';
import { packA, packB, panelRows } from './gemmPack';

export { MR };

/**
 * Depth of a block (k extent): 384 for f32, 256 for f64. Deeper f32 blocks load and store C fewer
 * times over a long k, which the 3072-deep products gained from in paired runs; f64 did not.
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

/**
 * An A stored transposed is read in place, not packed, when its rows span at most this many bytes
 * (the weight gradients Hᵀ·dY of the hidden layers at batch 50: 50 rows of 50 or 100 values), or
 * when it is at most DIRECT_A_SHALLOW deep: then the stored rows a tile reads fit in L1 even when
 * their stride maps them all to the same cache sets (3072 floats = 3 × 4 KiB: Xᵀ·dY at batch 5).
 */
const DIRECT_A_MAX_BYTES: i32 = 32 << 10;
const DIRECT_A_SHALLOW: i32 = 8;

/** Bytes of scratch `gemm` needs for its packed panels and edge tile. */
export function gemmWorkspaceBytes(elementBytes: i32): i32 {
  return (MC * KC_MAX + KC_MAX * NC + MR * 8 + 64) * elementBytes;
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
  // an A stored transposed and small is read in place: each depth step of a panel is h contiguous
  // values of one stored row
  const directA = ars == 1 && acs > 1 && (k <= DIRECT_A_SHALLOW || k * acs * <i32>S <= DIRECT_A_MAX_BYTES);
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
        if (!directA) packA<T>(a + <usize>(i0 * ars + p0 * acs) * S, ars, acs, rows, kc, packedA);
        for (let jr = 0; jr < cols; jr += NR) {
          const w = min(NR, cols - jr);
          const wide = w > NR / 2;
          const v = wide ? NR : NR / 2;
          const inPlace = jr < fullCols;
          const pb = inPlace ? b + <usize>(p0 * brs + j0 + jr) * S : packedB + <usize>(jr * kc) * S;
          const bStride: usize = inPlace ? <usize>brs * S : <usize>v * S;
          let pa = directA ? a + <usize>(i0 + p0 * acs) * S : packedA;
          for (let ir = 0; ir < rows;) {
            const h = panelRows(rows - ir);
            const aStride: usize = directA ? <usize>acs * S : <usize>h * S;
            const cTile = c + <usize>((i0 + ir) * ldc + j0 + jr) * S;
            if (w == v) {
              runTile<T>(h, wide, kc, pa, aStride, pb, bStride, cTile, ldcBytes, beta);
            } else {
              runTile<T>(h, wide, kc, pa, aStride, pb, bStride, edge, 32, 0);
              for (let r = 0; r < h; r++) {
                const dst = cTile + <usize>r * ldcBytes, src = edge + <usize>(r * 32);
                for (let j = 0; j < w; j++) {
                  const x = load<T>(src + <usize>j * S);
                  store<T>(dst + <usize>j * S, beta ? load<T>(dst + <usize>j * S) + x : x);
                }
              }
            }
            pa += directA ? <usize>h * S : <usize>(h * kc) * S;
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

