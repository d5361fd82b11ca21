import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Tensor } from '@tapegrad/core';
import { loadCIFAR10, type CIFAR10 } from './cifar10.js';
import { loadCIFAR10FromArchive, loadCIFAR10FromFiles, readCIFAR10Archive } from './cifar10Bytes.js';
import { CIFAR10_CLASSES } from './cifar10Format.js';
import { DataError } from './errors.js';
import { FIRST_TEST_LABELS, FIRST_TRAIN_LABELS, subsetDir, tempDir, writeFiles } from './test-utils/cifar10Fixture.js';
import { hostileArchiveFiles, hostileArchives, hostileFileSets, validArchive, validFiles, validTar } from './test-utils/hostileArchives.js';
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
