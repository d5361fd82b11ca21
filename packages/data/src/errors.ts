/**
 * The error classes of @tapegrad/data.
 * @module
 */

/**
 * A data file, an archive or a download was not what it should be: a truncated or garbled CIFAR-10
 * batch, a checksum that did not match, an unsafe archive member, a failed transfer, or fewer records
 * than asked for. The message reads `<function>: <what was expected> (got <what came>)` and names the
 * file and the record where there is one.
 *
 * @example
 * ```ts
 * import { parseCIFAR10Batch, DataError } from '@tapegrad/data';
 * try { parseCIFAR10Batch(new Uint8Array(100), 'data_batch_1.bin'); }
 * catch (e) { console.log(e instanceof DataError, (e as Error).message); }
 * // true parseCIFAR10Batch: data_batch_1.bin must hold whole 3073-byte records (got 100 bytes: record 0 is cut off after 100 bytes)
 * ```
 * @category Errors
 */
export class DataError extends Error {
  override readonly name = 'DataError';
}

/**
 * The runtime lacks what a function needs: Node's file system and network (in a browser, or Node
 * before 20.16, for the functions that read folders, download or cache), or a gzip decompressor
 * (neither Node's zlib nor `DecompressionStream`). The message reads `<function>: <what it needs>
 * (got <the runtime>)` and names what to use instead: the functions that read bytes
 * ({@link loadCIFAR10FromArchive}, {@link loadCIFAR10FromFiles}) run everywhere.
 *
 * @example
 * ```ts
 * import { PlatformError, loadCIFAR10 } from '@tapegrad/data';
 * const saved = process.getBuiltinModule;
 * (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined; // as in a browser
 * try { loadCIFAR10('/data/cifar-10-batches-bin'); }
 * catch (e) { console.log(e instanceof PlatformError, (e as Error).name); } // true 'PlatformError'
 * finally { process.getBuiltinModule = saved; }
 * ```
 * @category Errors
 */
export class PlatformError extends Error {
  override readonly name = 'PlatformError';
}
