/**
 * CIFAR-10 batch files read as they stream in (an archive's members, a folder's files, the byte
 * sources given) straight into the arrays the tensors use: each record's label and pixels are split
 * off as its bytes come, so the data are held once, not as the files' bytes and again as the images
 * made from them. When the training files' sizes are known before their bytes come (a folder, byte
 * sources), the training images go to one array of their size, each batch at its place in batch
 * order. Else (an archive, whose members come in any order and announce their sizes one by one) they
 * go to one buffer at fixed slots (batch k at k · 10,000 records: an archive's batch holds at most
 * that many), closed up at the end; the buffer grows in place where the runtime has resizable
 * ArrayBuffers (Node 20, current browsers), else by copying. The errors, and which comes first, are
 * those of `parseCIFAR10Batches` on the same files: every training batch's size, then their labels
 * in batch order, then the test batch's, then the class names.
 * @module
 * @internal
 */
import { CIFAR10_CLASSES, CIFAR10_IMAGE_BYTES, CIFAR10_RECORD_BYTES, checkBatchSize, parseCIFAR10Meta } from './cifar10Format.js';
import { CIFAR10_BATCH_FILE_BYTES, CIFAR10_META_FILE, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, presentCIFAR10Files, type CIFAR10Files } from './cifar10Files.js';
import { DataError } from './errors.js';
import type { MemberSink } from './tarReader.js';

/** The most records in one batch file of an archive (the archive limits' size of a batch). */
const SLOT_RECORDS = CIFAR10_BATCH_FILE_BYTES / CIFAR10_RECORD_BYTES;
const SLOT_BYTES = SLOT_RECORDS * CIFAR10_IMAGE_BYTES;

/** An ArrayBuffer that `resize` grows and shrinks in place (ES2024; not in this project's ES2022 lib). */
type ResizableBuffer = ArrayBuffer & { resize(byteLength: number): void };
const canResize = typeof (ArrayBuffer.prototype as Partial<ResizableBuffer>).resize === 'function';

/** Bytes that grow as slots are filled: in place when the runtime can, else into a larger copy. */
class GrowingBytes {
  private buffer: ArrayBuffer;
  constructor(maxByteLength: number) {
    this.buffer = canResize ? new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(0, { maxByteLength }) : new ArrayBuffer(0);
  }
  /** The bytes, `length` of them at least. */
  atLeast(length: number): Uint8Array {
    if (length > this.buffer.byteLength) {
      if (canResize) (this.buffer as ResizableBuffer).resize(length);
      else {
        const next = new ArrayBuffer(Math.max(length, 2 * this.buffer.byteLength));
        new Uint8Array(next).set(new Uint8Array(this.buffer));
        this.buffer = next;
      }
    }
    return new Uint8Array(this.buffer, 0, this.buffer.byteLength);
  }
  /** The first `length` bytes, the rest given up (in place where the runtime can, else copied). */
  truncated(length: number): Uint8Array {
    if (canResize) (this.buffer as ResizableBuffer).resize(length);
    else if (length < this.buffer.byteLength) this.buffer = this.buffer.slice(0, length);
    return new Uint8Array(this.buffer, 0, length);
  }
}

/** One batch file as it streams in: where its records go, and what was wrong with it. */
interface Batch {
  file: string;
  size: number;
  /** Records (0 when the size is not whole records: the error is thrown at the end, in order). */
  count: number;
  labels: Int32Array;
  /** The first label above 9: its record and value. */
  badLabel: { record: number; label: number } | null;
}

/**
 * A collector of the CIFAR-10 files of an archive: `open(name, size)` for each member as the tar
 * reader finds it, then `finish()` for the records.
 * @internal
 */
export class CIFAR10Collector {
  private readonly batches = new Map<string, Batch>();
  /** The training images at their slots (sizes not known in advance), else null. */
  private readonly train: GrowingBytes | null = null;
  /** The training images, and where each batch's go (sizes known in advance), else null. */
  private readonly laidOut: { pixels: Uint8Array; sizes: ReadonlyMap<string, number>; bases: Map<string, number> } | null = null;
  private testPixels = new Uint8Array(0);
  private meta: Uint8Array | null = null;

  /**
   * @param label - how a file is called in messages (its path, `<name> in <archive>`).
   * @param sizes - the sizes of the files to come, when they are known before their bytes (a folder,
   *   byte sources): every training file's, which `open` must then be given. Without it, a training
   *   file holds at most 10,000 records (an archive's limit).
   */
  constructor(private readonly label: (name: string) => string, sizes?: ReadonlyMap<string, number>) {
    if (sizes === undefined) {
      this.train = new GrowingBytes(CIFAR10_TRAIN_FILES.length * SLOT_BYTES);
      return;
    }
    const bases = new Map<string, number>();
    let total = 0;
    for (const name of CIFAR10_TRAIN_FILES) {
      const size = sizes.get(name);
      if (size === undefined) continue;
      bases.set(name, total);
      if (size > 0 && size % CIFAR10_RECORD_BYTES === 0) total += (size / CIFAR10_RECORD_BYTES) * CIFAR10_IMAGE_BYTES;
    }
    this.laidOut = { pixels: new Uint8Array(total), sizes, bases };
  }

  /** Where the bytes of the file `name` (`size` bytes: at most a batch file's without sizes in advance) go. */
  open(name: string, size: number): MemberSink {
    if (name === CIFAR10_META_FILE) {
      const meta = (this.meta = new Uint8Array(size));
      let at = 0;
      return { write: (piece) => { meta.set(piece, at); at += piece.length; }, close: () => undefined };
    }
    const slot = CIFAR10_TRAIN_FILES.indexOf(name);
    const whole = size > 0 && size % CIFAR10_RECORD_BYTES === 0;
    const count = whole ? size / CIFAR10_RECORD_BYTES : 0;
    const batch: Batch = { file: this.label(name), size, count, labels: new Int32Array(count), badLabel: null };
    this.batches.set(name, batch);
    // pixel bytes of record r go to pixels[base + r · 3072 ...]
    let pixels: Uint8Array;
    let base = 0;
    if (slot >= 0 && this.laidOut !== null) {
      if (this.laidOut.sizes.get(name) !== size) throw new Error(`CIFAR10Collector: ${name} of the ${this.laidOut.sizes.get(name)} bytes announced (got ${size})`);
      base = this.laidOut.bases.get(name)!;
      pixels = this.laidOut.pixels;
    } else if (slot >= 0) {
      base = slot * SLOT_BYTES;
      pixels = this.train!.atLeast(base + count * CIFAR10_IMAGE_BYTES);
    } else pixels = this.testPixels = new Uint8Array(count * CIFAR10_IMAGE_BYTES);
    let at = 0; // bytes of the member read so far
    return {
      write: (piece) => {
        if (count === 0) return;
        for (let i = 0; i < piece.length;) {
          const record = Math.floor(at / CIFAR10_RECORD_BYTES);
          const within = at - record * CIFAR10_RECORD_BYTES;
          if (within === 0) {
            const label = piece[i]!;
            if (label > 9 && batch.badLabel === null) batch.badLabel = { record, label };
            batch.labels[record] = label;
            i++;
            at++;
          } else {
            const n = Math.min(CIFAR10_RECORD_BYTES - within, piece.length - i);
            pixels.set(piece.subarray(i, i + n), base + record * CIFAR10_IMAGE_BYTES + within - 1);
            i += n;
            at += n;
          }
        }
      },
      close: () => undefined,
    };
  }

  /**
   * The records, as `parseCIFAR10Batches` reads them from the same files (training batches 1..5 in
   * that order), with its errors in its order.
   * @throws {@link DataError} when no training or no test file came, and as parseCIFAR10Batches does.
   */
  finish(caller: string, where: string): CIFAR10Files {
    const trainFiles = presentCIFAR10Files((name) => this.batches.has(name), caller, where);
    const train = trainFiles.map((name) => this.batches.get(name)!);
    const test = this.batches.get(CIFAR10_TEST_FILE)!;
    checkRecords(train, caller);
    const pixels = this.laidOut?.pixels ?? this.closedUp();
    const labels = new Int32Array(pixels.length / CIFAR10_IMAGE_BYTES);
    let record = 0;
    for (const batch of train) {
      labels.set(batch.labels, record);
      record += batch.count;
    }
    checkRecords([test], caller);
    const classes = this.meta !== null
      ? parseCIFAR10Meta(new TextDecoder().decode(this.meta), this.label(CIFAR10_META_FILE), caller)
      : [...CIFAR10_CLASSES];
    return {
      train: { pixels, labels, count: record },
      test: { pixels: this.testPixels, labels: test.labels, count: test.count },
      classes,
      trainFiles,
    };
  }

  /** The training slots closed up, in batch order (each moves towards the start: its slot is no earlier). */
  private closedUp(): Uint8Array {
    let total = 0;
    const all = this.train!.atLeast(0);
    for (const [k, name] of CIFAR10_TRAIN_FILES.entries()) {
      const batch = this.batches.get(name);
      if (batch === undefined) continue;
      const bytes = batch.count * CIFAR10_IMAGE_BYTES;
      if (k * SLOT_BYTES !== total) all.copyWithin(total, k * SLOT_BYTES, k * SLOT_BYTES + bytes);
      total += bytes;
    }
    return this.train!.truncated(total);
  }
}

/** Throws what parseCIFAR10Batches throws for these files: the first size that is not whole records, then the first label above 9. */
function checkRecords(batches: Batch[], caller: string): void {
  for (const b of batches) checkBatchSize(b.size, b.file, caller);
  for (const b of batches) {
    if (b.badLabel === null) continue;
    const { record, label } = b.badLabel;
    throw new DataError(`${caller}: labels in 0..9 (got ${label} in ${b.file} record ${record}, byte ${record * CIFAR10_RECORD_BYTES})`);
  }
}
