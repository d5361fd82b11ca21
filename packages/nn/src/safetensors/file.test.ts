import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fromArray, randn, tensor, Tensor, type DType } from '@tapegrad/core';
import { referenceFile } from '@tapegrad/test-support/paths';
import { withoutBuiltins } from '@tapegrad/test-support/platform';
import { parseSafetensors } from './decode.js';
import { SafetensorsError } from './errors.js';
import { load, save } from './file.js';

// The module `save` and `load` get from `process.getBuiltinModule` (file.ts imports no Node module):
// one test makes its `rename` fail once.
const nodeFs = process.getBuiltinModule('node:fs/promises');

const refDir = fileURLToPath(referenceFile('safetensors/'));
const refs = ['float64_shapes', 'torch_sequential_f32'] as const;

interface Twin {
  [name: string]: { dtype: 'float32' | 'float64' | 'int64'; shape: number[]; data: number[] };
}
const twinDtype = { float32: 'float32', float64: 'float64', int64: 'int32' } as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tapegrad-safetensors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Expects two state dicts to hold the same names, dtypes, shapes and values, exactly. */
function expectSameStateDict(actual: Record<string, Tensor>, expected: Record<string, Tensor>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, t] of Object.entries(expected)) {
    const a = actual[name]!;
    expect(a.dtype, name).toBe(t.dtype);
    expect([...a.shape], name).toEqual([...t.shape]);
    expect(Array.from(a.toFloat64Array()), name).toEqual(Array.from(t.toFloat64Array()));
  }
}

describe('load: the reference files', () => {
  for (const ref of refs) {
    it(`reads ${ref}.safetensors to the values of its JSON twin, exactly`, async () => {
      const twin = JSON.parse(await readFile(join(refDir, `${ref}.json`), 'utf8')) as Twin;
      const sd = await load(join(refDir, `${ref}.safetensors`));
      expect(Object.keys(sd).sort()).toEqual(Object.keys(twin).sort());
      for (const [name, t] of Object.entries(twin)) {
        const got = sd[name]!;
        expect(got.dtype, name).toBe(twinDtype[t.dtype]);
        expect([...got.shape], name).toEqual(t.shape);
        expect(Array.from(got.toFloat64Array()), name).toEqual(t.data);
      }
    });

    it(`writes ${ref} back byte for byte as the reference writer did`, async () => {
      const path = join(refDir, `${ref}.safetensors`);
      const original = new Uint8Array(await readFile(path));
      const { tensors, metadata } = parseSafetensors(original);
      const out = join(dir, `${ref}.safetensors`);
      await save(tensors, out, metadata === null ? {} : { metadata: { ...metadata } });
      expect(new Uint8Array(await readFile(out))).toEqual(original);
    });
  }

  it('reads num_batches_tracked (I64) as an int32 scalar', async () => {
    const sd = await load(join(refDir, 'torch_sequential_f32.safetensors'));
    expect(sd['1.num_batches_tracked']!.dtype).toBe('int32');
    expect(sd['1.num_batches_tracked']!.shape).toEqual([]);
    expect(sd['1.num_batches_tracked']!.item()).toBe(3);
  });
});

describe('save → load', () => {
  it('round-trips every dtype, scalars, empty tensors and strided views', async () => {
    const base = randn([2, 3, 4], { dtype: 'float64' });
    const sd: Record<string, Tensor> = {
      f32: randn([3, 5], { dtype: 'float32' }),
      f64: randn([7], { dtype: 'float64' }),
      i32: fromArray(new Int32Array([-2147483648, -1, 0, 1, 2147483647]), [5]),
      u8: fromArray(new Uint8Array([0, 1, 127, 128, 255]), [5, 1]),
      '0.num_batches_tracked': fromArray(new Int32Array([12345]), []),
      scalar: tensor(3.25, { dtype: 'float64' }),
      empty: tensor(new Float32Array(0), { shape: [0, 3] }),
      emptyInt: fromArray(new Int32Array(0), [2, 0]),
      transposed: base.permute([2, 0, 1]),
      flipped: new Tensor(base.data.step(-1, 1, -1)),
      specials: tensor([NaN, Infinity, -Infinity, -0, 5e-324, 1.7976931348623157e308], { dtype: 'float64' }),
    };
    expect(sd.transposed!.isContiguous()).toBe(false);
    const path = join(dir, 'roundtrip.safetensors');
    await save(sd, path);
    const back = await load(path);
    expectSameStateDict(back, sd);
    expect(Object.is(back.specials!.toFloat64Array()[3], -0)).toBe(true);
    const dtypes: Record<string, DType> = Object.fromEntries(Object.entries(back).map(([k, t]) => [k, t.dtype]));
    expect(dtypes['0.num_batches_tracked']).toBe('int32');
  });

  it('round-trips metadata', async () => {
    const path = join(dir, 'meta.safetensors');
    await save({ w: tensor([1]) }, path, { metadata: { format: 'pt', note: 'héllo "quoted"' } });
    const { metadata } = parseSafetensors(new Uint8Array(await readFile(path)));
    expect({ ...metadata }).toEqual({ format: 'pt', note: 'héllo "quoted"' });
  });

  it('overwrites an existing file and leaves no temporary file', async () => {
    const sub = await mkdtemp(join(dir, 'overwrite-'));
    const path = join(sub, 'm.safetensors');
    await save({ w: tensor([1]) }, path);
    await save({ w: tensor([2, 3]) }, path);
    expect((await load(path)).w!.toArray()).toEqual([2, 3]);
    expect(await readdir(sub)).toEqual(['m.safetensors']);
  });
});

describe('save is atomic', () => {
  it('leaves the old file intact and no temporary file when the rename fails', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-'));
    const path = join(sub, 'm.safetensors');
    await save({ w: tensor([1, 2]) }, path);
    const before = await readFile(path);
    const failure = Object.assign(new Error('EIO: i/o error, rename (simulated)'), { code: 'EIO' });
    const rename = vi.spyOn(nodeFs, 'rename').mockRejectedValueOnce(failure);
    const error = await save({ w: tensor([9, 9, 9]) }, path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as SafetensorsError).message).toMatch(/^save: .*m\.safetensors: the temporary file renamed over the target \(got EIO: i\/o error, rename \(simulated\)\)$/);
    expect((error as SafetensorsError).cause).toBe(failure);
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(sub)).toEqual(['m.safetensors']);
    expect(rename).toHaveBeenCalledOnce();
    rename.mockRestore();
  });

  it('fails cleanly when the target is a folder: the folder untouched, no temporary file', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-dir-'));
    const target = join(sub, 'model.safetensors');
    await mkdir(target);
    await writeFile(join(target, 'keep.txt'), 'keep');
    const error = await save({ w: tensor([1]) }, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetensorsError);
    expect(((error as SafetensorsError).cause as NodeJS.ErrnoException).code).toMatch(/^(EISDIR|ENOTEMPTY|EEXIST)$/);
    expect(await readdir(sub)).toEqual(['model.safetensors']);
    expect(await readdir(target)).toEqual(['keep.txt']);
  });

  it('writes nothing when the state dict cannot be encoded', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-encode-'));
    const path = join(sub, 'm.safetensors');
    await save({ w: tensor([1]) }, path);
    const before = await readFile(path);
    const bad = { w: [1, 2] } as unknown as Record<string, Tensor>;
    await expect(save(bad, path)).rejects.toThrow(SafetensorsError);
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(sub)).toEqual(['m.safetensors']);
  });

  it('fails with a SafetensorsError when the folder does not exist', async () => {
    const path = join(dir, 'missing-folder', 'm.safetensors');
    const error = await save({ w: tensor([1]) }, path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as SafetensorsError).message).toMatch(/a new temporary file in the same folder \(got ENOENT/);
  });
});

describe('load: files that cannot be read', () => {
  it('names the file when it is missing, a folder, or malformed', async () => {
    const missing = join(dir, 'nope.safetensors');
    const e1 = await load(missing).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(SafetensorsError);
    expect((e1 as SafetensorsError).message).toMatch(new RegExp(`^load: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a readable file \\(got ENOENT`));
    expect(((e1 as SafetensorsError).cause as NodeJS.ErrnoException).code).toBe('ENOENT');

    const e2 = await load(dir).catch((e: unknown) => e);
    expect((e2 as SafetensorsError).message).toBe(`load: ${dir}: a regular file (got a folder)`);

    const bad = join(dir, 'bad.safetensors');
    await writeFile(bad, new Uint8Array([1, 2, 3]));
    const e3 = await load(bad).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(SafetensorsError);
    expect((e3 as SafetensorsError).message).toBe(`load: ${bad}: at least 8 bytes for the header length (got 3 bytes)`);
    expect((e3 as SafetensorsError).file).toBe(bad);
  });
});

describe('off Node (a browser, or Node before 20.16: no process.getBuiltinModule)', () => {
  it('save rejects naming encodeSafetensors, and writes nothing', async () => {
    const sub = await mkdtemp(join(dir, 'browser-'));
    const path = join(sub, 'm.safetensors');
    const error = await withoutBuiltins(() => save({ w: tensor([1]) }, path).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as SafetensorsError).message).toBe(
      `save: ${path}: Node.js 20.16 or later, to write a file (got a runtime without process.getBuiltinModule, such as a browser); encodeSafetensors(stateDict) gives the bytes of the file, to download or store`,
    );
    expect((error as SafetensorsError).file).toBe(path);
    expect(await readdir(sub)).toEqual([]);
  });

  it('load rejects naming decodeSafetensors', async () => {
    const path = join(refDir, 'torch_sequential_f32.safetensors');
    const error = await withoutBuiltins(() => load(path).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as SafetensorsError).message).toBe(
      `load: ${path}: Node.js 20.16 or later, to read a file (got a runtime without process.getBuiltinModule, such as a browser); decodeSafetensors(bytes) reads the bytes of a fetched or picked file`,
    );
    expect(Object.keys(await load(path))).toContain('0.weight'); // and on Node again it loads
  });
});
