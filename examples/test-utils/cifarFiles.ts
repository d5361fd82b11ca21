/**
 * CIFAR-10 files in the official binary format, generated: what the smoke test runs on when the
 * real subset is not beside the repository. Each class is a coloured pattern plus noise, so the nets
 * have something to learn.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Generator } from '@tapegrad/core';
import { CIFAR10_CLASSES, CIFAR10_IMAGE_BYTES, CIFAR10_RECORD_BYTES } from '@tapegrad/data';

const RECORD = CIFAR10_RECORD_BYTES, IMAGE = CIFAR10_IMAGE_BYTES, PLANE = IMAGE / 3;

function records(gen: Generator, n: number): Uint8Array {
  const out = new Uint8Array(n * RECORD);
  const labels = gen.randint(0, CIFAR10_CLASSES.length, [n]).toFloat64Array();
  const noise = gen.randint(0, 96, [n * IMAGE]).toFloat64Array();
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    out[i * RECORD] = y;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < PLANE; p++) {
        const row = p >> 5, col = p & 31;
        const pattern = ((row * (y + 1) + col * (c + 1) * (10 - y)) % 32) * 4;
        out[i * RECORD + 1 + c * PLANE + p] = Math.min(255, pattern + noise[i * IMAGE + c * PLANE + p]!);
      }
    }
  }
  return out;
}

/** Writes data_batch_1.bin (4000 records), test_batch.bin (1000) and batches.meta.txt into `dir`. */
export function writeGeneratedCifar(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const gen = new Generator(5);
  fs.writeFileSync(path.join(dir, 'data_batch_1.bin'), records(gen, 4000));
  fs.writeFileSync(path.join(dir, 'test_batch.bin'), records(gen, 1000));
  fs.writeFileSync(path.join(dir, 'batches.meta.txt'), `${CIFAR10_CLASSES.join('\n')}\n`);
  return dir;
}
