/**
 * Test fixtures: the shared CIFAR-10 subset when it is there, and tiny files in the official format.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CIFAR10Files } from '../cifar10Files.js';
import { CIFAR10_CLASSES, CIFAR10_IMAGE_BYTES, CIFAR10_RECORD_BYTES, parseCIFAR10Batch, parseCIFAR10Meta } from '../cifar10Format.js';

/** The first ten labels of the official files (and of the tiny files made here). */
export const FIRST_TRAIN_LABELS = [6, 9, 9, 4, 1, 1, 2, 7, 8, 3];
export const FIRST_TEST_LABELS = [3, 8, 8, 0, 6, 6, 1, 6, 3, 1];

/** The shared subset folder (env `CIFAR10_SUBSET_DIR`, default `<repo>/../shared/data/cifar10-subset`), if present. */
export function subsetDir(): string | undefined {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
  const dir = process.env['CIFAR10_SUBSET_DIR'] || path.join(repo, '..', 'shared', 'data', 'cifar10-subset');
  return fs.existsSync(path.join(dir, 'data_batch_1.bin')) && fs.existsSync(path.join(dir, 'test_batch.bin')) ? dir : undefined;
}

/** A deterministic pixel value for record `r` of a tiny file, byte `j` of its image. */
export function pixelOf(seed: number, r: number, j: number): number {
  return (seed * 131 + r * 37 + j * 7 + ((j * j) % 11)) & 0xff;
}

/** The bytes of a batch file holding `labels.length` records with pixels from {@link pixelOf}. */
export function batchBytes(labels: readonly number[], seed: number): Uint8Array {
  const out = new Uint8Array(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, r) => {
    out[r * CIFAR10_RECORD_BYTES] = label;
    for (let j = 0; j < CIFAR10_IMAGE_BYTES; j++) out[r * CIFAR10_RECORD_BYTES + 1 + j] = pixelOf(seed, r, j);
  });
  return out;
}

/** `n` labels that start with `first` and go on cycling 0..9. */
export function labelsStartingWith(first: readonly number[], n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i < first.length ? (first[i] as number) : (i * 7 + 3) % 10));
}

/** The files of a tiny CIFAR-10 folder: name -> bytes. Train batches get `trainSizes` records each. */
export function tinyFiles(trainSizes: readonly number[] = [12, 8], testSize = 11): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const total = trainSizes.reduce((a, b) => a + b, 0);
  const trainLabels = labelsStartingWith(FIRST_TRAIN_LABELS, total);
  let at = 0;
  trainSizes.forEach((n, k) => {
    files.set(`data_batch_${k + 1}.bin`, batchBytes(trainLabels.slice(at, at + n), k + 1));
    at += n;
  });
  files.set('test_batch.bin', batchBytes(labelsStartingWith(FIRST_TEST_LABELS, testSize), 99));
  files.set('batches.meta.txt', new TextEncoder().encode(`${CIFAR10_CLASSES.join('\n')}\n\n`));
  return files;
}

/** Writes `files` into `dir` (created). */
export function writeFiles(dir: string, files: Map<string, Uint8Array>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) fs.writeFileSync(path.join(dir, name), bytes);
  return dir;
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix = 'tapegrad-data-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** The official files' records, read the plain way: labels and a pixel accessor, for independent checks. */
export function readRecords(file: string): { count: number; label: (r: number) => number; pixel: (r: number, j: number) => number } {
  const bytes = fs.readFileSync(file);
  return {
    count: bytes.length / CIFAR10_RECORD_BYTES,
    label: (r) => bytes[r * CIFAR10_RECORD_BYTES] as number,
    pixel: (r, j) => bytes[r * CIFAR10_RECORD_BYTES + 1 + j] as number,
  };
}

/**
 * The records of a CIFAR-10 file set by `parseCIFAR10Batch`, file by file, concatenated in batch order:
 * the format's own reading, not the loaders' (which split records off as the bytes stream in).
 */
export function parsedFiles(files: Map<string, Uint8Array>): CIFAR10Files {
  const trainFiles = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`).filter((name) => files.has(name));
  const batches = trainFiles.map((name) => parseCIFAR10Batch(files.get(name)!, name));
  const count = batches.reduce((n, b) => n + b.count, 0);
  const pixels = new Uint8Array(count * CIFAR10_IMAGE_BYTES);
  const labels = new Int32Array(count);
  let at = 0;
  for (const b of batches) {
    pixels.set(b.pixels, at * CIFAR10_IMAGE_BYTES);
    labels.set(b.labels, at);
    at += b.count;
  }
  const meta = files.get('batches.meta.txt');
  return {
    train: { pixels, labels, count },
    test: parseCIFAR10Batch(files.get('test_batch.bin')!, 'test_batch.bin'),
    classes: meta === undefined ? [...CIFAR10_CLASSES] : parseCIFAR10Meta(new TextDecoder().decode(meta), 'batches.meta.txt'),
    trainFiles,
  };
}
