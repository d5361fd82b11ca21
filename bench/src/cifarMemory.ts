/**
 * Peak memory of reading a full-size CIFAR-10 (five training batches of 10,000 records and a test
 * batch of 10,000: 184 MB of images, synthetic) with each of @tapegrad/data's readers, each in a
 * fresh Node process: how far the process's peak resident size rose above its resident size just
 * before the read, after the inputs were ready and garbage collected (Linux: the peak, `VmHWM`, reset
 * to the resident size by `5` to `/proc/self/clear_refs`; `resourceUsage().maxRSS` would not do, as
 * Linux carries the parent's peak over into a child). A reader
 * that holds the files' bytes and the records made from them at once adds twice the data; one that
 * splits each record off as its bytes come adds the data once, plus the pieces in flight.
 *
 * The readers: `archive-bytes`, `loadCIFAR10FromArchive` on a plain tar held in memory, members in
 * the official archive's order (1, 3, 4, 5, 2, the test batch between: the order that makes the slots
 * close up); `archive-file`, the same tar as a File backed by the disk (`fs.openAsBlob`);
 * `files-blob`, `loadCIFAR10FromFiles` on Files backed by the disk; `files-bytes`, on the files'
 * bytes held in memory; `folder`, `loadCIFAR10` on the folder.
 *
 * Run: `node --expose-gc bench/dist/cifarMemory.js [--readers archive-bytes,archive-file,files-blob,files-bytes,folder]
 * [--checkouts DIR,DIR]`: each checkout's built @tapegrad/data (default this one; another's needs
 * its `packages/data/dist` and `packages/data/node_modules`). The data go to a temp folder, removed
 * at the end. Memory, not time: the figures do not depend on the machine's load.
 * @module
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliArgs } from './cliArgs.js';

const READERS = ['archive-bytes', 'archive-file', 'files-blob', 'files-bytes', 'folder'] as const;
type Reader = (typeof READERS)[number];
const RECORD = 3073;
const TRAIN = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const ARCHIVE_ORDER = ['batches.meta.txt', 'data_batch_1.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin', 'data_batch_2.bin'];
const CLASSES = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n';

const args = cliArgs({
  script: 'cifarMemory',
  usage: 'node --expose-gc bench/dist/cifarMemory.js [--readers archive-bytes,archive-file,files-blob,files-bytes,folder] [--checkouts DIR,DIR]',
  values: { readers: READERS.join(','), checkouts: undefined, child: undefined, dir: undefined, checkout: undefined },
});
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One batch file: labels cycling 0..9, pixels from a cheap hash of the record and byte. */
function batchFile(records: number, seed: number): Uint8Array {
  const out = new Uint8Array(records * RECORD);
  for (let r = 0; r < records; r++) {
    out[r * RECORD] = (r * 7 + seed) % 10;
    for (let j = 1; j < RECORD; j++) out[r * RECORD + j] = (seed * 131 + r * 37 + j * 7) & 0xff;
  }
  return out;
}

/** A ustar header for a regular file `name` of `size` bytes. */
function tarHeader(name: string, size: number): Uint8Array {
  const h = new Uint8Array(512);
  const put = (at: number, text: string) => h.set(new TextEncoder().encode(text), at);
  put(0, name);
  put(100, '0000644\0');
  put(124, size.toString(8).padStart(11, '0') + '\0');
  put(136, '00000000000\0');
  put(156, '0');
  put(257, 'ustar\x0000');
  put(148, '        ');
  put(148, h.reduce((a, b) => a + b, 0).toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** Writes the folder `dir/cifar-10-batches-bin` and `dir/cifar.tar` (its members in the official archive's order). */
function writeData(dir: string): void {
  const folder = path.join(dir, 'cifar-10-batches-bin');
  fs.mkdirSync(folder);
  TRAIN.forEach((name, k) => fs.writeFileSync(path.join(folder, name), batchFile(10_000, k + 1)));
  fs.writeFileSync(path.join(folder, 'test_batch.bin'), batchFile(10_000, 99));
  fs.writeFileSync(path.join(folder, 'batches.meta.txt'), CLASSES);
  const tar = fs.openSync(path.join(dir, 'cifar.tar'), 'w');
  for (const name of ARCHIVE_ORDER) {
    const bytes = fs.readFileSync(path.join(folder, name));
    fs.writeSync(tar, tarHeader(`cifar-10-batches-bin/${name}`, bytes.length));
    fs.writeSync(tar, bytes);
    fs.writeSync(tar, new Uint8Array((512 - (bytes.length % 512)) % 512));
  }
  fs.writeSync(tar, new Uint8Array(1024));
  fs.closeSync(tar);
}

/** In a child: prepares `reader`'s input, then reads it with `checkout`'s data package and prints the figures as JSON. */
async function child(reader: Reader, dir: string, checkout: string): Promise<void> {
  const data = (await import(pathToFileURL(path.join(checkout, 'packages/data/dist/index.js')).href)) as typeof import('@tapegrad/data');
  const folder = path.join(dir, 'cifar-10-batches-bin');
  const names = [...TRAIN, 'test_batch.bin', 'batches.meta.txt'];
  const blob = (p: string): Promise<Blob> => (fs as unknown as { openAsBlob(p: string): Promise<Blob> }).openAsBlob(p);
  let read: () => Promise<import('@tapegrad/data').CIFAR10>;
  if (reader === 'archive-bytes') {
    const tar = fs.readFileSync(path.join(dir, 'cifar.tar'));
    read = () => data.loadCIFAR10FromArchive(tar);
  } else if (reader === 'archive-file') {
    const file = await blob(path.join(dir, 'cifar.tar'));
    read = () => data.loadCIFAR10FromArchive(file);
  } else if (reader === 'files-blob') {
    const files = await Promise.all(names.map(async (name) => ({ name, data: await blob(path.join(folder, name)) })));
    read = () => data.loadCIFAR10FromFiles(files);
  } else if (reader === 'files-bytes') {
    const files = names.map((name) => ({ name, data: fs.readFileSync(path.join(folder, name)) }));
    read = () => data.loadCIFAR10FromFiles(files);
  } else read = async () => data.loadCIFAR10(folder);
  // the garbage of the preparation collected, and its memory given back (freed buffers are swept after the collection)
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const before = status('VmRSS');
  const cifar = await read();
  const peak = status('VmHWM');
  const loaded = [cifar.XTrain, cifar.yTrain, cifar.XTest, cifar.yTest].reduce((n, t) => n + t.data.data.byteLength, 0);
  console.log(JSON.stringify({ extra: peak - before, loaded, records: cifar.XTrain.shape[0]! + cifar.XTest.shape[0]! }));
}

if (args.values.child !== undefined) {
  await child(args.values.child as Reader, args.values.dir!, args.values.checkout!);
} else {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') throw new Error('cifarMemory: run with node --expose-gc (got no gc())');
  const readers = args.values.readers.split(',') as Reader[];
  for (const r of readers) if (!READERS.includes(r)) throw new Error(`cifarMemory: --readers from ${READERS.join(', ')} (got ${r})`);
  const checkouts = (args.values.checkouts?.split(',') ?? [here]).map((c) => path.resolve(c));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cifar-memory-'));
  try {
    writeData(dir);
    console.log(`cifarMemory: full-size synthetic CIFAR-10 (60,000 records), peak resident memory added by the read, in a fresh process each`);
    for (const reader of readers) {
      for (const checkout of checkouts) {
        const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', reader, '--dir', dir, '--checkout', checkout], { encoding: 'utf8' });
        const { extra, loaded, records } = JSON.parse(out.trim().split('\n').pop()!) as { extra: number; loaded: number; records: number };
        console.log(`${reader.padEnd(13)} ${checkout}: +${(extra / 1e6).toFixed(0)} MB for ${(loaded / 1e6).toFixed(0)} MB loaded (${records} records): ${(extra / loaded).toFixed(2)}x`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
