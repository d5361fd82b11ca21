/**
 * Extracts the expected files of a (gzipped) tar archive on disk into a folder (Node only), through
 * the one hardened tar reader ({@link readTar}) that `loadCIFAR10FromArchive` uses on bytes: same
 * checks, same messages. The archive streams from the file through zlib, and each member streams
 * into its file, so memory stays bounded (the official archive is 163 MiB).
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { gunzipIfNeeded } from './gunzip.js';
import { BYTES_ALTERNATIVE, nodeOnly } from './nodeBuiltins.js';
import { readTar, type TarReadOptions, type TarReadResult } from './tarReader.js';

/** Options of {@link extractExpectedFiles}: the reader's limits and the names for messages. @internal */
export type ExtractOptions = TarReadOptions;

/** What {@link extractExpectedFiles} wrote and what it passed over. @internal */
export type ExtractResult = TarReadResult;

/**
 * Reads the tar archive `archive` (gunzipped when it starts with the gzip magic bytes) and writes
 * each expected regular file `<root>/<name>` as `<destDir>/<name>` (a new file). Other safe regular
 * files and folders are passed over; everything {@link readTar} refuses is refused with a
 * {@link DataError}, and nothing more is read. The caller owns `destDir` (a fresh temp folder) and
 * removes it on failure.
 * @internal
 */
export async function extractExpectedFiles(archive: string, destDir: string, opts: ExtractOptions): Promise<ExtractResult> {
  const { fs, fsp, path } = nodeOnly(opts.caller, BYTES_ALTERNATIVE.archive);
  const input = fs.createReadStream(archive, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>;
  const open = async (name: string) => {
    const handle: FileHandle = await fsp.open(path.join(destDir, name), 'wx');
    return {
      write: async (piece: Uint8Array) => {
        for (let at = 0; at < piece.length; ) at += (await handle.write(piece, at, piece.length - at)).bytesWritten;
      },
      close: () => handle.close(),
    };
  };
  return readTar(gunzipIfNeeded(input, opts), opts, open);
}
