/**
 * Matrix-product micro-benchmark: GFLOP/s of `gemm` from `@tapegrad/core` for A·B, Aᵀ·B and A·Bᵀ in
 * float32 and float64, at the notebook's first layer (X[50, 3072]·W[3072, 100]) and at
 * 500×3072×1000 (m×k×n), next to numpy (OpenBLAS, one thread) on the same products in the same run.
 *
 * Run: `node bench/dist/matmul.js [passes] [warmup]` (defaults 9 and 3). After `warmup` untimed calls
 * per case, the cases are timed round-robin: each pass visits every case for about 200 ms of calls
 * (at least one), so a burst of load from other processes spreads over all cases instead of sinking
 * one. Each figure is the median over all its timed calls. Transposed operands are stored transposed
 * and read through the transpose flags in both libraries; C is preallocated in both.
 * @module
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { gemm } from '@tapegrad/core';
import { filled, median } from './sampleData.js';

type DtypeName = 'float32' | 'float64';
type Form = 'A·B' | 'Aᵀ·B' | 'A·Bᵀ';
type Size = readonly [m: number, k: number, n: number];

interface Row {
  dtype: DtypeName;
  size: Size;
  form: Form;
  gflops: number;
}

const SIZES: readonly Size[] = [[50, 3072, 100], [500, 3072, 1000]];
const FORMS: readonly Form[] = ['A·B', 'Aᵀ·B', 'A·Bᵀ'];
const DTYPES: readonly DtypeName[] = ['float32', 'float64'];
const passes = Number(process.argv[2] ?? 9);
const warmup = Number(process.argv[3] ?? 3);
/** Milliseconds of calls per case per pass. */
const VISIT_MS = 200;

/** A ready-to-run product: A stored k×m for Aᵀ·B, B stored n×k for A·Bᵀ, as the tensor layer passes them. */
function makeCase(dtype: DtypeName, [m, k, n]: Size, form: Form): { run: () => void; spotCheck: () => void } {
  const transA = form === 'Aᵀ·B', transB = form === 'A·Bᵀ';
  const a = filled(dtype, m * k, 1), b = filled(dtype, k * n, 2), c = filled(dtype, m * n, 3);
  const lda = transA ? m : k, ldb = transB ? k : n;
  const run = () => gemm(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, c, 0, n, false);
  const spotCheck = () => {
    for (const [i, j] of [[0, 0], [m - 1, n - 1], [m >> 1, n >> 1]] as const) {
      let want = 0;
      for (let p = 0; p < k; p++) want += a[transA ? p * lda + i : i * lda + p]! * b[transB ? j * ldb + p : p * ldb + j]!;
      const got = c[i * n + j]!;
      if (!(Math.abs(got - want) <= 1e-5 * (1 + Math.abs(want)))) {
        throw new Error(`matmul bench: ${dtype} ${form} ${m}×${k}×${n}: C[${i}, ${j}] = ${got}, want ${want}`);
      }
    }
  };
  return { run, spotCheck };
}

function benchTapegrad(): Row[] {
  const cases = DTYPES.flatMap((dtype) => SIZES.flatMap((size) => FORMS.map((form) => {
    const { run, spotCheck } = makeCase(dtype, size, form);
    return { dtype, size, form, run, spotCheck, calls: 1, times: [] as number[] };
  })));
  for (const c of cases) c.run(); // let V8 see every dtype and form before timing any
  for (const c of cases) {
    const t0 = performance.now();
    for (let i = 0; i < warmup; i++) c.run();
    c.calls = Math.max(1, Math.round(VISIT_MS / ((performance.now() - t0) / Math.max(warmup, 1))));
  }
  for (let pass = 0; pass < passes; pass++) {
    for (const c of cases) {
      for (let i = 0; i < c.calls; i++) {
        const t0 = performance.now();
        c.run();
        c.times.push(performance.now() - t0);
      }
    }
  }
  return cases.map(({ dtype, size, form, spotCheck, times }) => {
    spotCheck();
    const [m, k, n] = size;
    return { dtype, size, form, gflops: (2 * m * n * k) / (median(times) * 1e6) };
  });
}

/** numpy's side, timed the same way: `np.matmul(x, y, out=c)` with transposes as views (no copies). */
const NUMPY_SCRIPT = String.raw`
import json, sys, time
import numpy as np
sizes, dtypes, passes, warmup, visit = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
cases = []
for dtype in dtypes:
    for m, k, n in sizes:
        a = rng.uniform(-1, 1, (m, k)).astype(dtype); a_t = np.ascontiguousarray(a.T)
        b = rng.uniform(-1, 1, (k, n)).astype(dtype); b_t = np.ascontiguousarray(b.T)
        c = np.empty((m, n), dtype)
        for form, x, y in (("A·B", a, b), ("Aᵀ·B", a_t.T, b), ("A·Bᵀ", a, b_t.T)):
            cases.append({"dtype": dtype, "size": [m, k, n], "form": form, "args": (x, y, c), "times": []})
for case in cases:
    t0 = time.perf_counter()
    for _ in range(warmup):
        np.matmul(*case["args"])
    case["calls"] = max(1, round(visit / ((time.perf_counter() - t0) / max(warmup, 1))))
for _ in range(passes):
    for case in cases:
        x, y, c = case["args"]
        for _ in range(case["calls"]):
            t0 = time.perf_counter()
            np.matmul(x, y, out=c)
            case["times"].append(time.perf_counter() - t0)
rows = [{"dtype": case["dtype"], "size": case["size"], "form": case["form"],
         "gflops": 2 * np.prod(case["size"]) / float(np.median(case["times"])) / 1e9} for case in cases]
try:
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    blas = "%s %s" % (blas.get("name", "?"), blas.get("version", "?"))
except Exception:
    blas = "unknown BLAS"
print(json.dumps({"version": np.__version__, "blas": blas, "rows": rows}))
`;

/** Runs the numpy peer single-threaded; undefined (with a note) when python3 or numpy is missing. */
function benchNumpy(): { version: string; blas: string; rows: Row[] } | undefined {
  // OpenBLAS on one thread, without this machine's preset core type and L2 size, which slow it down.
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = JSON.stringify([SIZES, DTYPES, passes, warmup, VISIT_MS / 1000]);
  const child = spawnSync('python3', ['-c', NUMPY_SCRIPT, args], { env, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) {
    console.error(`(numpy peer skipped: ${child.error?.message ?? child.stderr.trim().split('\n').pop()})`);
    return undefined;
  }
  return JSON.parse(child.stdout) as { version: string; blas: string; rows: Row[] };
}

function key(r: Pick<Row, 'dtype' | 'size' | 'form'>): string {
  return `${r.dtype} ${r.size.join('×')} ${r.form}`;
}

const loadBefore = os.loadavg()[0]!;
const tapegrad = benchTapegrad();
const numpy = benchNumpy();
const peer = new Map(numpy?.rows.map((r) => [key(r), r.gflops]));

console.log(`# matmul: GFLOP/s, median of ${passes} round-robin passes after ${warmup} warm-up calls (higher is better)`);
console.log(`${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} CPUs (both libraries single-threaded)`);
console.log(numpy ? `peer: numpy ${numpy.version} (${numpy.blas}), OPENBLAS_NUM_THREADS=1` : 'peer: none');
// other processes slow both sides down: the 1-minute load average shows how busy the machine was
console.log(`load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0]!.toFixed(2)} after\n`);
console.log('| dtype | m×k×n | product | tapegrad | numpy | tapegrad/numpy |');
console.log('|---|---|---|---:|---:|---:|');
for (const r of tapegrad) {
  const theirs = peer.get(key(r));
  const ratio = theirs === undefined ? 'n/a' : (r.gflops / theirs).toFixed(3);
  console.log(`| ${r.dtype} | ${r.size.join('×')} | ${r.form} | ${r.gflops.toFixed(2)} | ${theirs?.toFixed(1) ?? 'n/a'} | ${ratio} |`);
}
