import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, CIFAR10_IMAGE_BYTES, CIFAR10_IMAGE_SHAPE, CIFAR10_RECORD_BYTES, parseCIFAR10Batch, parseCIFAR10Batches, parseCIFAR10Meta } from './cifar10Format.js';
import { DataError } from './errors.js';
import { batchBytes, pixelOf } from './test-utils/cifar10Fixture.js';

describe('the format constants (which the test fixtures import)', () => {
  it('are the official record layout and class names', () => {
    expect([CIFAR10_RECORD_BYTES, CIFAR10_IMAGE_BYTES, [...CIFAR10_IMAGE_SHAPE]]).toEqual([1 + 3 * 32 * 32, 3 * 32 * 32, [3, 32, 32]]);
    expect(CIFAR10_CLASSES).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  });
});

describe('parseCIFAR10Batch', () => {
  it('splits records into labels and channels-first pixels', () => {
    const bytes = new Uint8Array(2 * 3073);
    bytes[0] = 6;
    bytes[1] = 10; // record 0, R plane, row 0 col 0
    bytes[1 + 1024] = 20; // G plane, row 0 col 0
    bytes[1 + 2048 + 32 * 31 + 31] = 30; // B plane, row 31 col 31
    bytes[3073] = 9;
    bytes[3073 + 1 + 32 + 1] = 40; // record 1, R plane, row 1 col 1
    const { count, labels, pixels } = parseCIFAR10Batch(bytes, 'two.bin');
    expect(count).toBe(2);
    expect(Array.from(labels)).toEqual([6, 9]);
    expect(labels).toBeInstanceOf(Int32Array);
    expect(pixels.length).toBe(2 * 3072);
    // [n, c, h, w] -> n*3072 + c*1024 + h*32 + w
    expect(pixels[0]).toBe(10);
    expect(pixels[1024]).toBe(20);
    expect(pixels[2048 + 31 * 32 + 31]).toBe(30);
    expect(pixels[3072 + 32 + 1]).toBe(40);
    expect(pixels.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('copies the pixels rather than viewing the file bytes', () => {
    const bytes = batchBytes([1, 2, 3], 5);
    const { pixels } = parseCIFAR10Batch(bytes, 'x.bin');
    bytes[1] = (bytes[1] as number) ^ 0xff;
    expect(pixels[0]).toBe(pixelOf(5, 0, 0));
  });

  it('names the file and the cut-off record when the size is not a multiple of 3073', () => {
    const bytes = batchBytes([1, 2, 3], 1).subarray(0, 2 * 3073 + 100);
    expect(() => parseCIFAR10Batch(bytes, 'data_batch_3.bin', 'loadCIFAR10')).toThrow(
      new DataError('loadCIFAR10: data_batch_3.bin must hold whole 3073-byte records (got 6246 bytes: record 2 is cut off after 100 bytes)'),
    );
  });

  it('refuses an empty file', () => {
    expect(() => parseCIFAR10Batch(new Uint8Array(0), 'test_batch.bin')).toThrow(/test_batch\.bin must hold at least one 3073-byte record \(got an empty file\)/);
  });

  it('names the file and the record of a label above 9', () => {
    const bytes = batchBytes([1, 2, 3, 4], 1);
    bytes[2 * 3073] = 17;
    const err = (() => {
      try {
        parseCIFAR10Batch(bytes, 'data_batch_1.bin');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toBe('parseCIFAR10Batch: labels in 0..9 (got 17 in data_batch_1.bin record 2, byte 6146)');
  });

  it('accepts label 9 and refuses label 10', () => {
    expect(parseCIFAR10Batch(batchBytes([9], 0), 'a').labels[0]).toBe(9);
    expect(() => parseCIFAR10Batch(batchBytes([10], 0), 'a')).toThrow(DataError);
  });
});

describe('parseCIFAR10Meta', () => {
  it('reads the ten names and ignores blank lines and CRLF', () => {
    expect(parseCIFAR10Meta(`${CIFAR10_CLASSES.join('\r\n')}\r\n\r\n`, 'm')).toEqual([...CIFAR10_CLASSES]);
  });
  it('refuses a file without ten names', () => {
    expect(() => parseCIFAR10Meta('airplane\nautomobile\n', 'batches.meta.txt')).toThrow(
      new DataError('parseCIFAR10Meta: batches.meta.txt must hold 10 class names, one a line (got 2)'),
    );
  });
});

describe('parseCIFAR10Batches', () => {
  it('joins the files\' records in order', () => {
    const ab = parseCIFAR10Batches([{ bytes: batchBytes([1, 2], 1), file: 'a' }, { bytes: batchBytes([3], 2), file: 'b' }], 'test');
    expect(ab.count).toBe(3);
    expect(Array.from(ab.labels)).toEqual([1, 2, 3]);
    expect(ab.pixels[2 * 3072 + 5]).toBe(pixelOf(2, 0, 5));
    expect(ab.pixels[3072 + 5]).toBe(pixelOf(1, 1, 5));
  });

  it('checks every file\'s size before reading a label, and names the file of a bad label', () => {
    const badLabel = batchBytes([1, 2], 1);
    badLabel[3073] = 12;
    const cut = batchBytes([3], 2).subarray(0, 3000);
    expect(() => parseCIFAR10Batches([{ bytes: badLabel, file: 'a' }, { bytes: cut, file: 'b' }], 'test')).toThrow(
      'test: b must hold whole 3073-byte records (got 3000 bytes: record 0 is cut off after 3000 bytes)',
    );
    expect(() => parseCIFAR10Batches([{ bytes: batchBytes([3], 2), file: 'b' }, { bytes: badLabel, file: 'a' }], 'test')).toThrow(
      'test: labels in 0..9 (got 12 in a record 1, byte 3073)',
    );
  });
});
