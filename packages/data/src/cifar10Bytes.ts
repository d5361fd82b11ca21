/**
 * CIFAR-10 from bytes, in a browser as in Node: the binary files by name (dropped on a page, fetched)
 * or the official `.tar.gz` (or a plain tar), read by the same rules and the same hardened tar reader
 * as {@link loadCIFAR10} and {@link downloadCIFAR10}.
 * @module
 */
import { type ByteSource, checkByteSource, readByteSource, sourceChunks, sourceName, sourceSize } from './byteSource.js';
import { cifar10Tensors, type CIFAR10 } from './cifar10.js';
import { CIFAR10Collector } from './cifar10Collector.js';
import { CIFAR10_ARCHIVE_LIMITS, CIFAR10_FOLDER, isCIFAR10FileName, presentCIFAR10Files } from './cifar10Files.js';
import { DataError } from './errors.js';
import { gunzipIfNeeded, type GunzipVia } from './gunzip.js';
import { readTar } from './tarReader.js';

/**
 * Loads CIFAR-10 from the bytes of its binary files, by name: `data_batch_1.bin` ..
 * `data_batch_5.bin` (whichever are given, in that order) as the training set, `test_batch.bin` as
 * the test set, `batches.meta.txt` for the class names (the standard names when it is not given).
 * Other files are passed over unread, and a name may carry a folder (`cifar-10-batches-bin/test_batch.bin`,
 * a `webkitRelativePath`): only its last part counts. The rules and the errors are those of
 * {@link loadCIFAR10}, which reads a folder the same way; this one runs in browsers too. Each file's
 * records go straight into the tensors' arrays as its bytes come (a `File` or `Blob` streamed, a
 * buffer read in place), so the images are held once besides what the caller holds; a `Response`'s
 * body is read whole first (its size is not known before) and held until its records are taken.
 *
 * @param files - `{ name, data }` pairs; `data` is any {@link ByteSource} (a `File` from a file input
 *   or a drop, a fetch `Response`, an `ArrayBuffer`, a `Uint8Array`).
 * @returns `{ XTrain, yTrain, XTest, yTest, classes }`: uint8 [N, 3, 32, 32] images, int32 [N] labels.
 * @throws {@link DataError} when no data_batch file or no test_batch.bin is given, a file is given
 *   twice, a batch's size is not a positive multiple of 3073 (naming the file and the cut-off record),
 *   a label is above 9 (naming the file and the record), `batches.meta.txt` does not hold 10 names, or
 *   a Response failed.
 * @throws TypeError when `files` is not an iterable of `{ name: string, data: ByteSource }`.
 * @example
 * In a page, from a file input (`<input type="file" multiple>`) or a drop:
 * ```ts
 * // not run: needs a page
 * import { loadCIFAR10FromFiles } from '@tapegrad/data';
 * declare const dropped: File[]; // a drop's `event.dataTransfer.files`, or a file input's `input.files`
 * const cifar = await loadCIFAR10FromFiles(Array.from(dropped, (file) => ({ name: file.name, data: file })));
 * console.log(cifar.XTrain.shape); // [50000, 3, 32, 32] with all five training files
 * ```
 *
 * On a miniature CIFAR-10 made in memory:
 * ```ts
 * import { CIFAR10_CLASSES, loadCIFAR10FromFiles } from '@tapegrad/data';
 * // records of 3073 bytes: the label, then 3072 pixels (red, green, blue planes of 32×32)
 * const records = (labels: number[]) => new Uint8Array(labels.length * 3073).map((_, i) => (i % 3073 ? i % 251 : labels[i / 3073]!));
 * const { XTrain, yTrain, XTest, classes } = await loadCIFAR10FromFiles([
 *   { name: 'data_batch_1.bin', data: records([6, 9, 9]) },
 *   { name: 'test_batch.bin', data: new Blob([records([3, 8])]) },
 *   { name: 'batches.meta.txt', data: new TextEncoder().encode(CIFAR10_CLASSES.join('\n')) },
 *   { name: 'readme.html', data: new Uint8Array(0) },                    // passed over
 * ]);
 * console.log(XTrain.shape, XTrain.dtype, XTest.shape); // [3, 3, 32, 32] 'uint8' [2, 3, 32, 32]
 * console.log(yTrain.toArray(), classes[6]); // [6, 9, 9] 'frog'
 * ```
 * @category Bytes
 */
export async function loadCIFAR10FromFiles(files: Iterable<{ name: string; data: ByteSource }>): Promise<CIFAR10> {
  const caller = 'loadCIFAR10FromFiles';
  if (files === null || typeof (files as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`${caller}: files as an iterable of { name, data } (got ${files === null ? 'null' : typeof files})`);
  }
  const given = new Map<string, { label: string; data: ByteSource }>();
  let i = 0;
  for (const file of files) {
    if (file === null || typeof file !== 'object' || typeof file.name !== 'string') {
      throw new TypeError(`${caller}: files[${i}] as { name: string, data } (got ${file === null ? 'null' : typeof file === 'object' ? `name ${typeof file.name}` : typeof file})`);
    }
    checkByteSource(caller, file.data, `files[${i}].data`);
    const name = file.name.split(/[/\\]/).pop() as string;
    if (isCIFAR10FileName(name)) {
      const before = given.get(name);
      if (before !== undefined) {
        throw new DataError(`${caller}: each CIFAR-10 file once (got ${name} twice: ${JSON.stringify(before.label)} and ${JSON.stringify(file.name)})`);
      }
      given.set(name, { label: file.name, data: file.data });
    }
    i++;
  }
  const where = 'the files given';
  presentCIFAR10Files((name) => given.has(name), caller, where);
  // each file's records go straight into the tensors' arrays as its bytes stream in (a Blob's, a
  // buffer's in views): the data are held once. The layout needs every size first: a Response's
  // body, whose size is known only once it is read, is read whole first and held until it is taken.
  const sources = new Map<string, { label: string; data: ByteSource; size: number }>();
  for (const [name, { label, data }] of given) {
    const size = sourceSize(data);
    if (size !== undefined) sources.set(name, { label, data, size });
    else {
      const bytes = await readByteSource(caller, data, label);
      sources.set(name, { label, data: bytes, size: bytes.length });
    }
  }
  const collector = new CIFAR10Collector((name) => given.get(name)!.label, new Map([...sources].map(([name, s]) => [name, s.size])));
  for (const [name, { label, data, size }] of sources) {
    const sink = collector.open(name, size);
    for await (const piece of sourceChunks(caller, data, label)) sink.write(piece);
    sink.close();
  }
  return cifar10Tensors(collector.finish(caller, where));
}

/**
 * Loads CIFAR-10 from the official archive `cifar-10-binary.tar.gz` (or the same as a plain tar), in
 * memory: gunzipped as it streams (Node's zlib in Node, `DecompressionStream('gzip')` in a browser),
 * read by the hardened tar reader {@link downloadCIFAR10} also uses, with the same checks and limits:
 * only `cifar-10-batches-bin/` batch files of at most 30,730,000 bytes and a `batches.meta.txt` of at
 * most 4096 are taken; absolute and `..` paths (through pax and GNU long names too), links, devices,
 * duplicates, oversized members and damaged archives are refused. The files then go by the rules of
 * {@link loadCIFAR10FromFiles}. Each record's label and pixels go straight into the tensors' arrays
 * as the archive streams in, so the images are held once (the official archive's 184 MB, not twice
 * that), besides what the caller holds of the archive itself.
 *
 * @param archive - The archive's bytes: a fetch `Response` (streamed), a `File` / `Blob`, an
 *   `ArrayBuffer` or a `Uint8Array`.
 * @returns `{ XTrain, yTrain, XTest, yTest, classes }`: uint8 [N, 3, 32, 32] images, int32 [N] labels.
 * @throws {@link DataError} for an unsafe or damaged archive or gzip stream (the message names the
 *   member), missing or malformed files in it, or a failed Response.
 * @throws {@link PlatformError} for a gzipped archive where the runtime has neither
 *   `DecompressionStream` nor Node's zlib (pass the plain .tar there).
 * @throws TypeError when `archive` is not a {@link ByteSource}.
 * @example
 * In a page, with the archive served beside it:
 * ```ts
 * // not run: needs a page and the archive (163 MiB)
 * import { loadCIFAR10FromArchive, splitCIFAR10Data } from '@tapegrad/data';
 * const cifar = await loadCIFAR10FromArchive(await fetch('/data/cifar-10-binary.tar.gz'));
 * const data = splitCIFAR10Data(cifar);        // cs231n's splits, as getCIFAR10Data gives them in Node
 * console.log(data.XTrain.shape);              // [49000, 3, 32, 32]
 * ```
 *
 * A miniature archive made in memory (a plain tar: one header block, the data, two zero blocks):
 * ```ts
 * import { loadCIFAR10FromArchive } from '@tapegrad/data';
 * const put = (block: Uint8Array, at: number, text: string) => block.set(new TextEncoder().encode(text), at);
 * function member(path: string, data: Uint8Array): Uint8Array {
 *   const out = new Uint8Array(512 + Math.ceil(data.length / 512) * 512);
 *   put(out, 0, path); put(out, 100, '0000644'); put(out, 124, data.length.toString(8).padStart(11, '0'));
 *   put(out, 156, '0'); put(out, 257, 'ustar\0' + '00'); put(out, 148, '        ');
 *   put(out, 148, out.subarray(0, 512).reduce((a, b) => a + b, 0).toString(8).padStart(6, '0') + '\0');
 *   out.set(data, 512);
 *   return out;
 * }
 * const records = (labels: number[]) => new Uint8Array(labels.length * 3073).map((_, i) => (i % 3073 ? i % 251 : labels[i / 3073]!));
 * const tar = new Blob([
 *   member('cifar-10-batches-bin/data_batch_1.bin', records([6, 9, 9])),
 *   member('cifar-10-batches-bin/test_batch.bin', records([3, 8])),
 *   new Uint8Array(1024),
 * ]);
 * const { XTrain, yTest } = await loadCIFAR10FromArchive(tar);
 * console.log(XTrain.shape, yTest.toArray()); // [3, 3, 32, 32] [3, 8]
 * const escape = new Blob([member('../escape.bin', records([1])), new Uint8Array(1024)]);
 * const message = await loadCIFAR10FromArchive(escape).catch((e: Error) => e.message);
 * console.log(message); // 'loadCIFAR10FromArchive: archive paths inside cifar-10-batches-bin/, no ".." component (got File "../escape.bin", 3073 bytes in the archive)'
 * ```
 * @category Bytes
 */
export async function loadCIFAR10FromArchive(archive: ByteSource): Promise<CIFAR10> {
  return readCIFAR10Archive(archive, 'loadCIFAR10FromArchive');
}

/**
 * {@link loadCIFAR10FromArchive}, with the decompressor to use (tests run the browsers' one in Node).
 * @internal
 */
export async function readCIFAR10Archive(archive: ByteSource, caller: string, via: GunzipVia = 'auto'): Promise<CIFAR10> {
  checkByteSource(caller, archive, 'archive');
  const archiveName = sourceName(archive, 'the archive');
  const opts = { ...CIFAR10_ARCHIVE_LIMITS, caller, archiveName };
  // each member's records go straight into the tensors' arrays as they stream in: the data are held once
  const collector = new CIFAR10Collector((name) => `${name} in ${archiveName}`);
  await readTar(gunzipIfNeeded(sourceChunks(caller, archive, archiveName), opts, via), opts, (name, size) => collector.open(name, size));
  return cifar10Tensors(collector.finish(caller, `${CIFAR10_FOLDER}/ of ${archiveName}`));
}
