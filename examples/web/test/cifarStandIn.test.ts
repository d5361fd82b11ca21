import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contiguousNdArray, type Tensor } from '@tapegrad/core';
import { getCIFAR10Data } from '@tapegrad/data';
import { writeGeneratedCifar } from '../../test-utils/cifarFiles.js';
import { cifarSubsetDir } from '../../test-utils/paths.js';
import { cifarRecords, tarGz, type TarMember } from '../../test-utils/tarball.js';
import { DataError, loadCIFAR10FromArchive, loadCIFAR10FromFiles, splitCIFAR10Data } from '../src/data/cifarAdapter.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-standin-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dir = cifarSubsetDir() ?? writeGeneratedCifar(path.join(tmp, 'generated'));

/** A tensor's bytes, to compare two tensors exactly. */
function bytes(t: Tensor): Buffer {
  const nd = contiguousNdArray(t.data);
  const a = nd.data as Float32Array | Int32Array;
  return Buffer.from(a.buffer, a.byteOffset + nd.offset * a.BYTES_PER_ELEMENT, t.size * a.BYTES_PER_ELEMENT);
}

const folder = 'cifar-10-batches-bin';
const small = (): TarMember[] => [
  { name: `${folder}/`, type: '5' },
  { name: `${folder}/data_batch_1.bin`, data: cifarRecords(30) },
  { name: `${folder}/test_batch.bin`, data: cifarRecords(10, 3) },
  { name: `${folder}/batches.meta.txt`, data: new TextEncoder().encode('a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n') },
];

describe('the stand-in CIFAR-10 loaders of the web page', () => {
  it('loadCIFAR10FromFiles and splitCIFAR10Data give getCIFAR10Data\'s splits, byte for byte', async () => {
    const names = ['data_batch_1.bin', 'test_batch.bin', 'batches.meta.txt'];
    const cifar = await loadCIFAR10FromFiles(names.map((name) => ({ name, data: new Blob([fs.readFileSync(path.join(dir, name))]) })));
    const opts = { numTraining: cifar.XTrain.shape[0]! - 1000, numValidation: 1000, numTest: 1000, dtype: 'float32' } as const;
    const mine = splitCIFAR10Data(cifar, opts);
    const theirs = await getCIFAR10Data({ dir, ...opts });
    for (const k of ['XTrain', 'yTrain', 'XVal', 'yVal', 'XTest', 'yTest'] as const) {
      expect(mine[k].shape, k).toEqual(theirs[k].shape);
      expect(bytes(mine[k]).equals(bytes(theirs[k])), k).toBe(true);
    }
    expect(mine.classes).toEqual(theirs.classes);
  });

  it('loadCIFAR10FromArchive reads a .tar.gz of cifar-10-batches-bin as the files themselves', async () => {
    const fromArchive = await loadCIFAR10FromArchive(tarGz(small()));
    const fromFiles = await loadCIFAR10FromFiles(small().slice(1).map((m) => ({ name: m.name, data: m.data! })));
    expect(fromArchive.XTrain.shape).toEqual([30, 3, 32, 32]);
    expect(fromArchive.XTest.shape).toEqual([10, 3, 32, 32]);
    expect(fromArchive.classes).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    expect(fromArchive.yTrain.toArray()).toEqual(fromFiles.yTrain.toArray());
    expect(bytes(fromArchive.XTrain).equals(bytes(fromFiles.XTrain))).toBe(true);
  });

  const hostile: [string, () => Uint8Array, RegExp][] = [
    ['a ../ name', () => tarGz([...small(), { name: `${folder}/../../evil.bin`, data: cifarRecords(1) }]), /evil\.bin/],
    ['an absolute name', () => tarGz([{ name: '/etc/data_batch_1.bin', data: cifarRecords(1) }]), /\/etc\/data_batch_1\.bin/],
    ['a symbolic link', () => tarGz([...small(), { name: `${folder}/data_batch_2.bin`, type: '2', linkName: '/etc/passwd' }]), /symbolic link/],
    ['a hard link', () => tarGz([...small(), { name: `${folder}/data_batch_2.bin`, type: '1', linkName: `${folder}/test_batch.bin` }]), /hard link/],
    ['a pax header', () => tarGz([{ name: 'PaxHeader', type: 'x', data: new TextEncoder().encode('30 path=../../data_batch_1.bin\n') }, ...small()]), /pax/],
    ['a GNU long name', () => tarGz([{ name: '././@LongLink', type: 'L', data: new TextEncoder().encode('../x') }, ...small()]), /GNU long name/],
    ['another file', () => tarGz([...small(), { name: `${folder}/run.sh`, data: new Uint8Array(10) }]), /run\.sh/],
    ['a duplicate member', () => tarGz([...small(), { name: `${folder}/test_batch.bin`, data: cifarRecords(10) }]), /twice/],
    ['a member over the size limit', () => tarGz([{ name: `${folder}/data_batch_1.bin`, size: 40_000_000, data: cifarRecords(1) }]), /at most 31000000/],
    ['a cut-off archive', () => tarGz(small(), { cut: 3000 }), /cut off/],
    ['a damaged header', () => tarGz([{ ...small()[1]!, badChecksum: true }]), /checksum/],
    ['bytes that are not gzip', () => new TextEncoder().encode('this is not an archive at all'), /gunzip/],
  ];
  for (const [what, make, message] of hostile) {
    it(`loadCIFAR10FromArchive refuses an archive with ${what}, with a DataError`, async () => {
      const err = await loadCIFAR10FromArchive(make()).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(/^loadCIFAR10FromArchive: /);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('loadCIFAR10FromFiles names a file that is not CIFAR-10\'s, a cut record, a bad label and a missing test batch', async () => {
    const fail = (files: { name: string; data: Uint8Array }[]) => loadCIFAR10FromFiles(files).then(() => null, (e: unknown) => e as Error);
    const test = { name: 'test_batch.bin', data: cifarRecords(5) };
    expect((await fail([{ name: 'notes.txt', data: new Uint8Array(3) }, test]))?.message).toMatch(/got "notes\.txt"/);
    expect((await fail([{ name: 'data_batch_1.bin', data: cifarRecords(2).subarray(0, 5000) }, test]))?.message)
      .toBe('loadCIFAR10FromFiles: data_batch_1.bin must hold whole 3073-byte records (got 5000 bytes: record 1 is cut off after 1927 bytes)');
    const bad = cifarRecords(2);
    bad[3073] = 12;
    expect((await fail([{ name: 'data_batch_1.bin', data: bad }, test]))?.message).toMatch(/labels in 0\.\.9 \(got 12 in data_batch_1\.bin record 1/);
    expect((await fail([{ name: 'data_batch_1.bin', data: cifarRecords(2) }]))?.message).toBe('loadCIFAR10FromFiles: test_batch.bin (got no such file)');
    expect(await fail([{ name: 'data_batch_1.bin', data: cifarRecords(2) }, test, { name: 'data_batch_1.bin', data: cifarRecords(2) }])).toBeInstanceOf(DataError);
  });

  it('splitCIFAR10Data checks its sizes against the records it has', async () => {
    const cifar = await loadCIFAR10FromFiles(small().slice(1).map((m) => ({ name: m.name, data: m.data! })));
    expect(() => splitCIFAR10Data(cifar, { numTraining: 25, numValidation: 10 }))
      .toThrow('splitCIFAR10Data: numTraining + numValidation = 35 training records (got 30)');
    expect(() => splitCIFAR10Data(cifar, { numTraining: 20, numValidation: 10, numTest: 11 })).toThrow('splitCIFAR10Data: numTest = 11 test records (got 10)');
    expect(() => splitCIFAR10Data(cifar, { numTraining: 2.5 })).toThrow(DataError);
  });
});
