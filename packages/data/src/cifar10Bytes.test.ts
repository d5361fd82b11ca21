import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Tensor } from '@tapegrad/core';
import { cifar10Tensors, loadCIFAR10, type CIFAR10 } from './cifar10.js';
import { loadCIFAR10FromArchive, loadCIFAR10FromFiles, readCIFAR10Archive } from './cifar10Bytes.js';
import { CIFAR10_CLASSES } from './cifar10Format.js';
import { DataError } from './errors.js';
import { FIRST_TEST_LABELS, FIRST_TRAIN_LABELS, parsedFiles, subsetDir, tempDir, tinyFiles, writeFiles } from './test-utils/cifar10Fixture.js';
import { hostileArchiveFiles, hostileArchives, hostileFileSets, labelled, validArchive, validFiles, validTar } from './test-utils/hostileArchives.js';
import { cifarMembers, tar } from './test-utils/tarball.js';

const subset = subsetDir();
const tmp = tempDir();
afterAll(tmp.cleanup);
const validDir = writeFiles(path.join(tmp.dir, 'valid'), validFiles);

/** The named files of a folder, as `loadCIFAR10FromFiles` takes them. */
const named = (files: Map<string, Uint8Array>) => [...files].map(([name, data]) => ({ name, data }));

/** The first index where two arrays differ (or where one ends), -1 when they are equal. */
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Checks that two loads hold the same tensors (shape, dtype, every value) and class names. */
function expectSameCIFAR10(a: CIFAR10, b: CIFAR10): void {
  for (const key of ['XTrain', 'yTrain', 'XTest', 'yTest'] as const) {
    const [x, y] = [a[key] as Tensor, b[key] as Tensor];
    expect(x.shape, key).toEqual(y.shape);
    expect(x.dtype, key).toBe(y.dtype);
    expect(firstMismatch(x.data.data, y.data.data), key).toBe(-1);
  }
  expect(a.classes).toEqual(b.classes);
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('loadCIFAR10FromFiles', () => {
  it('loads a miniature CIFAR-10 the way loadCIFAR10 reads the same folder', async () => {
    const fromBytes = await loadCIFAR10FromFiles(named(validFiles));
    expectSameCIFAR10(fromBytes, loadCIFAR10(validDir));
    expect(fromBytes.XTrain.shape).toEqual([27, 3, 32, 32]);
    expect((fromBytes.yTrain.toArray() as number[]).slice(0, 10)).toEqual(FIRST_TRAIN_LABELS);
    expect((fromBytes.yTest.toArray() as number[]).slice(0, 10)).toEqual(FIRST_TEST_LABELS);
  });

  it.runIf(subset !== undefined)('reads the shared subset from bytes exactly as loadCIFAR10 reads its folder', async () => {
    const dir = subset as string;
    const files = ['data_batch_1.bin', 'test_batch.bin', 'batches.meta.txt', 'README.md', 'SHA256SUMS'].map((name) => ({ name, data: fs.readFileSync(path.join(dir, name)) }));
    const fromBytes = await loadCIFAR10FromFiles(files);
    expectSameCIFAR10(fromBytes, loadCIFAR10(dir));
    expect(fromBytes.XTrain.shape).toEqual([4000, 3, 32, 32]);
    expect([0, 1, 2].map((c) => fromBytes.XTrain.data.get(3999, c, 31, 31))).toEqual([83, 153, 57]); // numpy's values
    expect(fromBytes.classes).toEqual(CIFAR10_CLASSES);
  });

  it('takes every kind of ByteSource and names with folders, and orders the batches by name', async () => {
    const bytes = (name: string) => validFiles.get(name) as Uint8Array;
    const copy = (name: string) => bytes(name).slice().buffer;
    const fromBytes = await loadCIFAR10FromFiles([
      { name: 'cifar-10-batches-bin/test_batch.bin', data: new Response(bytes('test_batch.bin')) },
      { name: 'C:\\data\\data_batch_3.bin', data: new File([bytes('data_batch_3.bin')], 'whatever') },
      { name: 'data_batch_2.bin', data: new Blob([bytes('data_batch_2.bin')]) },
      { name: 'data_batch_1.bin', data: copy('data_batch_1.bin') },
      { name: 'batches.meta.txt', data: bytes('batches.meta.txt') },
    ]);
    expectSameCIFAR10(fromBytes, loadCIFAR10(validDir));
  });

  it('reads files of any size, given in any order, each into its place: the format\'s own reading, file by file', async () => {
    // a training batch of more than 10,000 records (an archive's limit, not the files' or a folder's), one record in another
    const files = tinyFiles([10_001, 1, 4], 6);
    const expected = cifar10Tensors(parsedFiles(files));
    const bytes = (name: string) => files.get(name)!;
    const given = [
      { name: 'batches.meta.txt', data: new Response(bytes('batches.meta.txt')) },
      { name: 'data_batch_3.bin', data: new Blob([bytes('data_batch_3.bin')]) },
      { name: 'test_batch.bin', data: bytes('test_batch.bin').slice().buffer },
      { name: 'data_batch_2.bin', data: new Response(bytes('data_batch_2.bin')) },
      { name: 'data_batch_1.bin', data: new Blob([bytes('data_batch_1.bin')]) },
    ];
    expectSameCIFAR10(await loadCIFAR10FromFiles(given), expected);
    expectSameCIFAR10(loadCIFAR10(writeFiles(path.join(tmp.dir, 'large'), files)), expected);
  });

  it('passes over files that are not CIFAR-10 without reading them', async () => {
    const unreadable = new Response('gone', { status: 404 });
    const fromBytes = await loadCIFAR10FromFiles([...named(validFiles), { name: 'readme.html', data: unreadable }]);
    expect(fromBytes.XTrain.shape).toEqual([27, 3, 32, 32]);
    expect(unreadable.bodyUsed).toBe(false);
  });

  it.each(hostileFileSets.map((c) => [c.name, c] as const))('gives for %s the DataError loadCIFAR10 gives on the folder', async (_name, c) => {
    const dir = writeFiles(path.join(tmp.dir, c.name.replace(/\W+/g, '-')), c.files);
    const fromFolder = await errorOf(() => loadCIFAR10(dir));
    const fromBytes = await errorOf(loadCIFAR10FromFiles(named(c.files)));
    expect(fromFolder).toBeInstanceOf(DataError);
    expect(fromBytes).toBeInstanceOf(DataError);
    const expected = (caller: string, prefix: string, where: string) => c.message.replace('<caller>', caller).replace('<dir>', prefix).replace('<where>', where);
    expect(fromFolder.message).toBe(expected('loadCIFAR10', `${dir}${path.sep}`, dir));
    expect(fromBytes.message).toBe(expected('loadCIFAR10FromFiles', '', 'the files given'));
  });

  it('refuses a file given twice, a failed response and what is not a file list', async () => {
    const twice = [...named(validFiles), { name: 'more/test_batch.bin', data: new Uint8Array(3073) }];
    expect((await errorOf(loadCIFAR10FromFiles(twice))).message).toBe(
      'loadCIFAR10FromFiles: each CIFAR-10 file once (got test_batch.bin twice: "test_batch.bin" and "more/test_batch.bin")',
    );
    const failed = await errorOf(loadCIFAR10FromFiles([...named(validFiles).filter((f) => f.name !== 'test_batch.bin'), { name: 'test_batch.bin', data: new Response('no', { status: 404, statusText: 'Not Found' }) }]));
    expect(failed).toBeInstanceOf(DataError);
    expect(failed.message).toBe('loadCIFAR10FromFiles: a successful response for test_batch.bin (got HTTP 404 Not Found)');
    const notBytes = await errorOf(loadCIFAR10FromFiles([{ name: 'test_batch.bin', data: 'abc' as never }]));
    expect(notBytes).toBeInstanceOf(TypeError);
    expect(notBytes.message).toBe('loadCIFAR10FromFiles: files[0].data as an ArrayBuffer, Uint8Array, Blob or Response (got string)');
    expect((await errorOf(loadCIFAR10FromFiles([{ name: 'test_batch.bin', data: new Float32Array(4) as never }]))).message).toMatch(/\(got Float32Array\)$/);
    expect(await errorOf(loadCIFAR10FromFiles(null as never))).toBeInstanceOf(TypeError);
    expect((await errorOf(loadCIFAR10FromFiles([{ data: new Uint8Array(1) } as never]))).message).toBe('loadCIFAR10FromFiles: files[0] as { name: string, data } (got name undefined)');
  });
});

describe('loadCIFAR10FromArchive', () => {
  it.each([
    ['the .tar.gz as a Uint8Array', () => validArchive],
    ['the .tar.gz as an ArrayBuffer', () => validArchive.slice().buffer],
    ['the .tar.gz as a Blob', () => new Blob([validArchive])],
    ['the .tar.gz as a Response', () => new Response(validArchive)],
    ['a plain tar', () => validTar],
  ])('loads %s as loadCIFAR10 reads the extracted folder', async (_what, source) => {
    expectSameCIFAR10(await loadCIFAR10FromArchive(source()), loadCIFAR10(validDir));
  });

  it("gives the same data through the web's DecompressionStream as through zlib", async () => {
    const viaWeb = await readCIFAR10Archive(new Blob([validArchive]), 'test', 'web');
    expectSameCIFAR10(viaWeb, await readCIFAR10Archive(validArchive, 'test', 'zlib'));
  });

  it('uses zlib in Node and never the web decompressor', async () => {
    const spy = vi.spyOn(globalThis, 'DecompressionStream');
    try {
      await loadCIFAR10FromArchive(validArchive);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it.runIf(subset !== undefined)('reads the shared subset packed as the official archive exactly as loadCIFAR10 reads its folder', async () => {
    const dir = subset as string;
    const files = new Map(['data_batch_1.bin', 'test_batch.bin', 'batches.meta.txt'].map((n) => [n, new Uint8Array(fs.readFileSync(path.join(dir, n)))]));
    const archive = new Uint8Array(gzipSync(tar(cifarMembers(files))));
    const fromArchive = await loadCIFAR10FromArchive(new File([archive], 'cifar-10-binary.tar.gz'));
    expectSameCIFAR10(fromArchive, loadCIFAR10(dir));
  });

  it.each([...hostileArchives, ...hostileArchiveFiles].map((c) => [c.name, c] as const))('refuses %s with its DataError', async (_name, c) => {
    const error = await errorOf(loadCIFAR10FromArchive(c.bytes));
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toBe(c.message.replace('<caller>', 'loadCIFAR10FromArchive'));
  });

  it('gives the same DataErrors through the web decompressor, in Node', async () => {
    // Node's own DecompressionStream is zlib's and takes trailing zeros and further members as zlib
    // does; browsers' refuse them (the Chromium test checks those two there)
    for (const c of hostileArchives.filter((h) => !/zeros after|two gzip/.test(h.name))) {
      const error = await errorOf(readCIFAR10Archive(c.bytes, 'loadCIFAR10FromArchive', 'web'));
      expect(error.message, c.name).toBe(c.message.replace('<caller>', 'loadCIFAR10FromArchive'));
    }
  });

  it("names a File by its name and a Response by its URL, and refuses a failed or read Response", async () => {
    const bad = hostileArchives[0]!.bytes;
    expect((await errorOf(loadCIFAR10FromArchive(new File([bad], 'cifar-10-binary.tar.gz')))).message).toMatch(/ in cifar-10-binary\.tar\.gz\)$/);
    const notFound = new Response('no', { status: 404, statusText: 'Not Found' });
    expect((await errorOf(loadCIFAR10FromArchive(notFound))).message).toBe(
      'loadCIFAR10FromArchive: a successful response for the archive (got HTTP 404 Not Found)',
    );
    const used = new Response(validArchive);
    await used.arrayBuffer();
    expect((await errorOf(loadCIFAR10FromArchive(used))).message).toBe(
      'loadCIFAR10FromArchive: an unread Response for the archive (got one whose body was already read)',
    );
    expect((await errorOf(loadCIFAR10FromArchive(42 as never))).message).toBe(
      'loadCIFAR10FromArchive: archive as an ArrayBuffer, Uint8Array, Blob or Response (got number)',
    );
  });

  it('stops reading a streamed archive at the first refused member, and cancels the body', async () => {
    let pulled = 0;
    let cancelled = false;
    const bad = hostileArchives.find((c) => c.name === 'a symlink')!.bytes;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(pulled === 1 ? bad : new Uint8Array(1 << 20)); // an endless tail
      },
      cancel() {
        cancelled = true;
      },
    });
    const error = await errorOf(loadCIFAR10FromArchive(new Response(body)));
    expect(error.message).toMatch(/regular files only/);
    const after = pulled;
    await new Promise((done) => setTimeout(done, 50));
    expect(cancelled).toBe(true);
    expect(pulled).toBe(after);
    expect(pulled).toBeLessThan(10); // what the streams' queues read ahead, not the tail
  });
});

/** `bytes` as a Response whose body comes in pieces of the sizes `sizes` (cycled): record and member boundaries fall anywhere. */
function inPieces(bytes: Uint8Array, sizes: readonly number[]): Response {
  let at = 0, k = 0;
  return new Response(new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const n = sizes[k++ % sizes.length]!;
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  }));
}

/** `files` in the order `names` gives (the archive's member order). */
const inOrder = (files: Map<string, Uint8Array>, names: string[]) => new Map(names.map((n) => [n, files.get(n)!] as const));

describe('loadCIFAR10FromArchive reads the members straight into the tensors', () => {
  // five training batches of different sizes, so that each one's place in XTrain depends on the others
  const five = tinyFiles([12, 8, 7, 5, 9], 11);
  const batch = (k: number) => `data_batch_${k}.bin`;

  it.each([
    ['in order', [1, 2, 3, 4, 5]],
    ['in the official archive\'s order (1, 3, 4, 5, 2, the test batch between)', [1, 3, 4, 5, 2]],
    ['backwards', [5, 4, 3, 2, 1]],
    ['with batches 2 and 4 missing', [5, 1, 3]],
    ['with batch 5 alone', [5]],
  ])('%s: the data the format gives for the same files, in pieces of any size', async (_what, ks) => {
    const names = ks.map(batch);
    names.splice(Math.min(names.length, 3), 0, 'test_batch.bin', 'batches.meta.txt');
    const files = inOrder(five, names);
    const expected = cifar10Tensors(parsedFiles(files));
    expect(expected.XTrain.shape[0]).toBe(ks.reduce((n, k) => n + [12, 8, 7, 5, 9][k - 1]!, 0));
    const archive = tar(cifarMembers(files));
    expectSameCIFAR10(await loadCIFAR10FromArchive(archive), expected);
    expectSameCIFAR10(await loadCIFAR10FromArchive(inPieces(archive, [1, 7, 3072, 3074, 4999, 2])), expected);
    expectSameCIFAR10(await loadCIFAR10FromArchive(inPieces(new Uint8Array(gzipSync(archive)), [333, 65536])), expected);
  });

  it('without resizable ArrayBuffers (an older runtime), by growing copies: the same data', async () => {
    const proto = ArrayBuffer.prototype as { resize?: unknown };
    const descriptor = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resize')!;
    const files = inOrder(five, [batch(4), batch(1), 'test_batch.bin', batch(2), batch(5)]);
    const expected = cifar10Tensors(parsedFiles(files));
    delete proto.resize;
    vi.resetModules();
    try {
      const fresh = await import('./cifar10Bytes.js');
      const loaded = await fresh.loadCIFAR10FromArchive(tar(cifarMembers(files)));
      expect((loaded.XTrain.data.data.buffer as { resizable?: boolean }).resizable).not.toBe(true);
      expectSameCIFAR10(loaded, expected);
    } finally {
      Object.defineProperty(ArrayBuffer.prototype, 'resize', descriptor);
      vi.resetModules();
    }
  });

  it("the errors come in readCIFAR10Set's order, whatever order the members come in", async () => {
    const A = 'the archive';
    const cases: [string, Map<string, Uint8Array>, string][] = [
      // every training batch's size is checked before any label, in batch order
      ['a bad label in batch 3 (first in the archive) and a cut batch 4', inOrder(new Map([...five, [batch(3), labelled(five.get(batch(3))!, 2, 12)], [batch(4), five.get(batch(4))!.subarray(0, 3073 + 10)]]), [batch(3), batch(4), batch(1), 'test_batch.bin']),
        `loadCIFAR10FromArchive: data_batch_4.bin in ${A} must hold whole 3073-byte records (got 3083 bytes: record 1 is cut off after 10 bytes)`],
      ['bad labels in batch 5 (first in the archive) and batch 2', inOrder(new Map([...five, [batch(5), labelled(five.get(batch(5))!, 1, 10)], [batch(2), labelled(five.get(batch(2))!, 6, 255)]]), [batch(5), batch(2), batch(1), 'test_batch.bin']),
        `loadCIFAR10FromArchive: labels in 0..9 (got 255 in data_batch_2.bin in ${A} record 6, byte 18438)`],
      ['the first bad label of a batch', inOrder(new Map([...five, [batch(1), labelled(labelled(five.get(batch(1))!, 9, 11), 3, 10)]]), [batch(1), 'test_batch.bin']),
        `loadCIFAR10FromArchive: labels in 0..9 (got 10 in data_batch_1.bin in ${A} record 3, byte 9219)`],
      // the training batches before the test batch
      ['an empty test batch (first in the archive) and a bad training label', inOrder(new Map([...five, ['test_batch.bin', new Uint8Array(0)], [batch(1), labelled(five.get(batch(1))!, 0, 99)]]), ['test_batch.bin', batch(1)]),
        `loadCIFAR10FromArchive: labels in 0..9 (got 99 in data_batch_1.bin in ${A} record 0, byte 0)`],
      ['an empty test batch', inOrder(new Map([...five, ['test_batch.bin', new Uint8Array(0)]]), ['test_batch.bin', batch(1)]),
        `loadCIFAR10FromArchive: test_batch.bin in ${A} must hold at least one 3073-byte record (got an empty file)`],
      ['a bad meta file and a bad test label', inOrder(new Map([...five, ['batches.meta.txt', new TextEncoder().encode('cat')], ['test_batch.bin', labelled(five.get('test_batch.bin')!, 10, 10)]]), ['batches.meta.txt', batch(1), 'test_batch.bin']),
        `loadCIFAR10FromArchive: labels in 0..9 (got 10 in test_batch.bin in ${A} record 10, byte 30730)`],
    ];
    for (const [what, files, message] of cases) {
      const error = await errorOf(loadCIFAR10FromArchive(tar(cifarMembers(files))));
      expect(error, what).toBeInstanceOf(DataError);
      expect(error.message, what).toBe(message);
    }
  });
});

