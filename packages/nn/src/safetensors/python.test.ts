import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromArray, randn, tensor, type Tensor } from '@tapegrad/core';
import { save } from './file.js';

// Reads a safetensors file with only struct, json and numpy, checking the layout rules PyTorch's
// loader (the reference implementation) enforces, and prints what it holds as JSON.
const reader = `
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__", None)
kinds = {"F64": "<f8", "F32": "<f4", "I64": "<i8", "I32": "<i4", "U8": "u1"}
out, end = {}, 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
    b, e = info["data_offsets"]
    assert b == end, (name, b, end); end = e
    a = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=kinds[info["dtype"]]).reshape(info["shape"])
    out[name] = {"dtype": info["dtype"], "shape": list(a.shape), "data": a.ravel().tolist()}
assert n % 8 == 0 and 8 + n + end == len(raw)
print(json.dumps({"metadata": meta, "order": list(header), "tensors": out}))
`;

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) console.warn('python.test.ts: skipped, `python3 -c "import numpy"` failed (install python3 and numpy to run it)');

interface PythonView {
  metadata: Record<string, string> | null;
  order: string[];
  tensors: Record<string, { dtype: string; shape: number[]; data: number[] }>;
}

describe.skipIf(!hasNumpy)('a Python reader (struct, json, numpy only)', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('reads a tapegrad file to the same values, dtypes, shapes and metadata', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tapegrad-safetensors-py-'));
    const sd: Record<string, Tensor> = {
      '0.weight': randn([4, 3], { dtype: 'float32' }),
      '0.bias': randn([4], { dtype: 'float32' }),
      '1.running_mean': randn([4], { dtype: 'float64' }),
      '1.num_batches_tracked': fromArray(new Int32Array([-7]), []),
      labels: fromArray(new Int32Array([0, 9, -2147483648])),
      pixels: fromArray(new Uint8Array([0, 200, 255, 1]), [2, 2]),
      strided: randn([3, 2], { dtype: 'float64' }).transpose(),
      scalar: tensor(0.1, { dtype: 'float64' }),
      empty: tensor(new Float32Array(0), { shape: [2, 0] }),
    };
    const path = join(dir, 'model.safetensors');
    await save(sd, path, { metadata: { format: 'pt' } });

    const run = spawnSync('python3', ['-c', reader, path], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const py = JSON.parse(run.stdout) as PythonView;

    expect(py.metadata).toEqual({ format: 'pt' });
    expect(py.order).toEqual([
      '1.num_batches_tracked', '1.running_mean', 'scalar', 'strided', '0.bias', '0.weight', 'empty', 'labels', 'pixels',
    ]);
    const dtypes = { float32: 'F32', float64: 'F64', uint8: 'U8', int32: 'I32' } as const;
    for (const [name, t] of Object.entries(sd)) {
      const got = py.tensors[name]!;
      // PyTorch keeps num_batches_tracked as int64: a BatchNorm1d's load_state_dict takes it as is.
      expect(got.dtype, name).toBe(name.endsWith('num_batches_tracked') ? 'I64' : dtypes[t.dtype]);
      expect(got.shape, name).toEqual([...t.shape]);
      expect(got.data, name).toEqual(Array.from(t.toFloat64Array()));
    }
  });
});
