/**
 * The page's data worker reads CIFAR-10 with @tapegrad/data's bytes readers: dropped batch files or
 * a dropped archive give the terminal demo's splits byte for byte, and a file that is not CIFAR-10
 * is @tapegrad/data's DataError (run here in Node; page.browser.test.ts drops one in Chromium).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contiguousNdArray, type Tensor } from '@tapegrad/core';
import { DataError } from '@tapegrad/data';
import { loadNotebookData } from '../../notebook/data.js';
import { writeGeneratedCifar } from '../../test-utils/cifarFiles.js';
import { cifarSubsetDir } from '../../test-utils/paths.js';
import { cifarRecords, tarGz, type TarMember } from '../../test-utils/tarball.js';
import { loadData } from '../src/worker/loadData.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tapegrad-web-data-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dir = cifarSubsetDir() ?? writeGeneratedCifar(path.join(tmp, 'generated'));
const names = fs.readdirSync(dir).filter((f) => /^(data_batch_\d|test_batch)\.bin$|^batches\.meta\.txt$/.test(f)).sort();
const folder = 'cifar-10-batches-bin';

/** A tensor's bytes, to compare two tensors exactly. */
function bytes(t: Tensor): Buffer {
  const nd = contiguousNdArray(t.data);
  const a = nd.data as Float32Array | Int32Array;
  return Buffer.from(a.buffer, a.byteOffset + nd.offset * a.BYTES_PER_ELEMENT, t.size * a.BYTES_PER_ELEMENT);
}

const dropped = (members: { name: string; data: Uint8Array }[]) => ({ kind: 'files' as const, files: members.map((m) => ({ name: m.name, data: new File([m.data], m.name) })) });
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error);

describe('the web page\'s CIFAR-10, read by @tapegrad/data', () => {
  it('dropped batch files and a dropped cifar-10-binary.tar.gz give the terminal demo\'s splits, byte for byte', async () => {
    const node = await loadNotebookData({ dir, synthetic: false, download: false, log: () => {} });
    const files = names.map((name) => ({ name, data: fs.readFileSync(path.join(dir, name)) }));
    const archive = tarGz([{ name: `${folder}/`, type: '5' }, ...files.map((f) => ({ name: `${folder}/${f.name}`, data: f.data }))]);
    for (const request of [dropped(files), dropped([{ name: 'cifar-10-binary.tar.gz', data: archive }])]) {
      const page = await loadData(request);
      for (const k of ['XTrain', 'yTrain', 'XVal', 'yVal', 'XTest', 'yTest'] as const) {
        expect(page[k].shape, k).toEqual(node[k].shape);
        expect(bytes(page[k]).equals(bytes(node[k])), k).toBe(true);
      }
      expect(page.source.kind).toBe('cifar10');
      expect(page.source.description).toMatch(/dropped on the page, read in this browser/);
    }
  });

  const small = (): TarMember[] => [
    { name: `${folder}/`, type: '5' },
    { name: `${folder}/data_batch_1.bin`, data: cifarRecords(30) },
    { name: `${folder}/test_batch.bin`, data: cifarRecords(10, 3) },
  ];

  it('a hostile archive is @tapegrad/data\'s DataError, naming the member', async () => {
    const link = tarGz([...small(), { name: `${folder}/data_batch_2.bin`, type: '2', linkName: '/etc/passwd' }]);
    const err = await failure(loadData(dropped([{ name: 'cifar-10-binary.tar.gz', data: link }])));
    expect(err).toBeInstanceOf(DataError);
    expect(err?.message).toMatch(/^loadCIFAR10FromArchive: .*\(got SymbolicLink "cifar-10-batches-bin\/data_batch_2\.bin" -> "\/etc\/passwd", 0 bytes in cifar-10-binary\.tar\.gz\)$/);
    const escape = tarGz([...small(), { name: `${folder}/../../evil.bin`, data: cifarRecords(1) }]);
    expect((await failure(loadData(dropped([{ name: 'cifar-10-binary.tar.gz', data: escape }]))))?.message).toMatch(/^loadCIFAR10FromArchive: .*evil\.bin/);
  });

  it('a cut-off batch file is @tapegrad/data\'s DataError, and the page\'s own checks name the page', async () => {
    const test = { name: 'test_batch.bin', data: cifarRecords(5) };
    expect((await failure(loadData(dropped([{ name: 'data_batch_1.bin', data: cifarRecords(2).subarray(0, 5000) }, test]))))?.message)
      .toBe('loadCIFAR10FromFiles: data_batch_1.bin must hold whole 3073-byte records (got 5000 bytes: record 1 is cut off after 1927 bytes)');
    expect((await failure(loadData(dropped([{ name: 'data_batch_1.bin', data: cifarRecords(30) }, test]))))?.message)
      .toMatch(/^loadNotebookData: at least 2000 training records in data_batch_1\.bin, test_batch\.bin .* \(got 30\)$/);
    const mixed = await failure(loadData(dropped([{ name: 'cifar-10-binary.tar.gz', data: tarGz(small()) }, test])));
    expect(mixed).toBeInstanceOf(DataError);
    expect(mixed?.message).toBe('loadData: one .tar.gz, or batch .bin files (got cifar-10-binary.tar.gz, test_batch.bin)');
  });
});
