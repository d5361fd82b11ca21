import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CIFAR10_CLASSES } from './cifar10Format.js';
import { DataError } from './errors.js';
import { readCIFAR10Files } from './fileio.js';
import {
  FIRST_TEST_LABELS,
  FIRST_TRAIN_LABELS,
  pixelOf,
  sha256,
  subsetDir,
  tempDir,
  tinyFiles,
  writeFiles,
} from './test-utils/cifar10Fixture.js';

const subset = subsetDir();
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function fresh(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe.runIf(subset !== undefined)('the shared CIFAR-10 subset', () => {
  const dir = subset as string;

  it('is the expected data (SHA256SUMS)', () => {
    const sums = fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(sums.length).toBe(3);
    for (const line of sums) {
      const [sum, name] = line.split(/\s+/);
      expect(sha256(fs.readFileSync(path.join(dir, name as string))), name).toBe(sum);
    }
  });

  it('loads 4000 training and 1000 test records with the official first labels', () => {
    const f = readCIFAR10Files(dir, 'loadCIFAR10');
    expect(f.trainFiles).toEqual(['data_batch_1.bin']);
    expect(f.train.count).toBe(4000);
    expect(f.test.count).toBe(1000);
    expect(f.train.pixels.length).toBe(4000 * 3072);
    expect(Array.from(f.train.labels.subarray(0, 10))).toEqual(FIRST_TRAIN_LABELS);
    expect(Array.from(f.test.labels.subarray(0, 10))).toEqual(FIRST_TEST_LABELS);
    expect(f.classes).toEqual(CIFAR10_CLASSES);
  });

  it('holds the pixel values of the official files', () => {
    const f = readCIFAR10Files(dir, 'loadCIFAR10');
    // values computed with numpy from the files: X = raw[:, 1:].reshape(-1, 3, 32, 32)
    let trainSum = 0;
    for (const v of f.train.pixels) trainSum += v;
    let testSum = 0;
    for (const v of f.test.pixels) testSum += v;
    expect(trainSum).toBe(1481085868);
    expect(testSum).toBe(374560331);
    expect(f.train.labels.reduce((a, b) => a + b, 0)).toBe(18163);
    expect(f.test.labels.reduce((a, b) => a + b, 0)).toBe(4603);
    const at = (n: number, c: number, h: number, w: number) => n * 3072 + c * 1024 + h * 32 + w;
    expect([0, 1, 2].map((c) => f.train.pixels[at(0, c, 0, 0)])).toEqual([59, 62, 63]);
    expect([0, 1, 2].map((c) => f.train.pixels[at(3999, c, 31, 31)])).toEqual([83, 153, 57]);
    expect(f.test.pixels[at(999, 2, 5, 7)]).toBe(193);
  });

  it('gives a DataError naming the file when a copy is truncated or garbled', () => {
    const dir2 = fresh();
    const bytes = fs.readFileSync(path.join(dir, 'data_batch_1.bin'));
    fs.writeFileSync(path.join(dir2, 'data_batch_1.bin'), bytes.subarray(0, 1234 * 3073 + 77));
    fs.copyFileSync(path.join(dir, 'test_batch.bin'), path.join(dir2, 'test_batch.bin'));
    expect(() => readCIFAR10Files(dir2, 'loadCIFAR10')).toThrow(
      `data_batch_1.bin must hold whole 3073-byte records (got ${1234 * 3073 + 77} bytes: record 1234 is cut off after 77 bytes)`,
    );
    const garbled = Buffer.from(bytes);
    garbled[2500 * 3073] = 200;
    fs.writeFileSync(path.join(dir2, 'data_batch_1.bin'), garbled);
    expect(() => readCIFAR10Files(dir2, 'loadCIFAR10')).toThrow(/labels in 0\.\.9 \(got 200 in .*data_batch_1\.bin record 2500, byte 7682500\)/);
  });
});

describe('readCIFAR10Files on tiny files in the official format', () => {
  it('gives a DataError naming the file when it is shorter than its size when the reading began (it changed meanwhile)', () => {
    const dir = writeFiles(fresh(), tinyFiles());
    const nodeFs = createRequire(import.meta.url)('node:fs') as typeof fs; // the module object the package's lookup returns
    const statSync = nodeFs.statSync;
    const spy = vi.spyOn(nodeFs, 'statSync').mockImplementation(((p: fs.PathLike) => {
      const st = statSync(p);
      return String(p).endsWith('test_batch.bin') ? { isFile: () => true, isDirectory: () => false, size: st.size + 3073 } : st;
    }) as typeof statSync);
    try {
      const file = path.join(dir, 'test_batch.bin');
      expect(() => readCIFAR10Files(dir, 'loadCIFAR10')).toThrow(new DataError(`loadCIFAR10: ${file} of ${12 * 3073} bytes, as it was when the reading began (got ${11 * 3073}: it changed meanwhile)`));
    } finally {
      spy.mockRestore();
    }
  });

  it('concatenates the data batches that exist, in order', () => {
    const files = tinyFiles([12, 8, 5]);
    files.delete('data_batch_2.bin'); // 1 and 3 only
    const dir = writeFiles(fresh(), files);
    const f = readCIFAR10Files(dir, 'loadCIFAR10');
    expect(f.trainFiles).toEqual(['data_batch_1.bin', 'data_batch_3.bin']);
    expect(f.train.count).toBe(17);
    expect(Array.from(f.train.labels.subarray(0, 10))).toEqual(FIRST_TRAIN_LABELS);
    expect(f.train.pixels[12 * 3072 + 100]).toBe(pixelOf(3, 0, 100)); // record 0 of data_batch_3
    expect(f.train.pixels[11 * 3072 + 3071]).toBe(pixelOf(1, 11, 3071));
    expect(f.test.count).toBe(11);
    expect(Array.from(f.test.labels.subarray(0, 10))).toEqual(FIRST_TEST_LABELS);
    expect(f.classes).toEqual(CIFAR10_CLASSES);
  });

  it('uses the standard class names when batches.meta.txt is missing', () => {
    const files = tinyFiles();
    files.delete('batches.meta.txt');
    expect(readCIFAR10Files(writeFiles(fresh(), files), 'loadCIFAR10').classes).toEqual(CIFAR10_CLASSES);
  });

  it('gives DataErrors for a missing folder, missing files, truncated, garbled and empty files', () => {
    const root = fresh();
    expect(() => readCIFAR10Files(path.join(root, 'nope'), 'loadCIFAR10')).toThrow(DataError);
    expect(() => readCIFAR10Files(root, 'loadCIFAR10')).toThrow(/data_batch_1\.bin \.\. data_batch_5\.bin in .* \(got none of them\)/);

    const noTest = tinyFiles();
    noTest.delete('test_batch.bin');
    expect(() => readCIFAR10Files(writeFiles(fresh(), noTest), 'loadCIFAR10')).toThrow(/test_batch\.bin in .* \(got no such file\)/);

    const truncated = tinyFiles();
    truncated.set('test_batch.bin', (truncated.get('test_batch.bin') as Uint8Array).subarray(0, 3 * 3073 + 1));
    expect(() => readCIFAR10Files(writeFiles(fresh(), truncated), 'loadCIFAR10')).toThrow(
      /test_batch\.bin must hold whole 3073-byte records \(got 9220 bytes: record 3 is cut off after 1 bytes\)/,
    );

    const garbled = tinyFiles([12, 8]);
    (garbled.get('data_batch_2.bin') as Uint8Array)[5 * 3073] = 10;
    expect(() => readCIFAR10Files(writeFiles(fresh(), garbled), 'loadCIFAR10')).toThrow(/got 10 in .*data_batch_2\.bin record 5/);

    const empty = tinyFiles();
    empty.set('data_batch_1.bin', new Uint8Array(0));
    expect(() => readCIFAR10Files(writeFiles(fresh(), empty), 'loadCIFAR10')).toThrow(/data_batch_1\.bin must hold at least one/);

    const badMeta = tinyFiles();
    badMeta.set('batches.meta.txt', new TextEncoder().encode('cat\ndog\n'));
    expect(() => readCIFAR10Files(writeFiles(fresh(), badMeta), 'loadCIFAR10')).toThrow(/batches\.meta\.txt must hold 10 class names/);
  });
});
