/**
 * Gunzips a stream of chunks when it starts with the gzip magic bytes, else passes it through: with
 * Node's zlib where there is one (looked up lazily), with `DecompressionStream('gzip')` elsewhere
 * (browsers). Both accept exactly one gzip member and nothing after it (what the browsers' stream
 * does; zlib alone would also take trailing zeros and further members), and any failure is the same
 * {@link DataError}, whichever decompressed.
 * @module
 * @internal
 */
import { DataError, PlatformError } from './errors.js';
import { nodeBuiltin } from './nodeBuiltins.js';

/** The names for messages. @internal */
export interface GunzipContext {
  /** The public function to name in error messages. */
  caller: string;
  /** The archive's name in error messages. */
  archiveName: string;
}

/** Which decompressor: zlib (Node), the web's DecompressionStream, or the default (zlib when there is one). @internal */
export type GunzipVia = 'zlib' | 'web' | 'auto';

/** Whether `bytes` start with the gzip magic bytes 1f 8b. @internal */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * `chunks`, gunzipped when they start with the gzip magic bytes.
 * @throws {@link DataError} `<caller>: one valid gzip stream (got <archive>: ...)` when the
 *   compressed data are damaged, cut off or followed by more data; {@link PlatformError} when there
 *   is neither zlib nor DecompressionStream (or no zlib, when `via` is 'zlib').
 * @internal
 */
export async function* gunzipIfNeeded(chunks: AsyncIterable<Uint8Array>, ctx: GunzipContext, via: GunzipVia = 'auto'): AsyncGenerator<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let have = 0;
  let replayed = false;
  async function* replay(): AsyncGenerator<Uint8Array> {
    replayed = true;
    try {
      yield* head;
      for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
    } finally {
      await it.return?.();
    }
  }
  try {
    while (have < 2) {
      const next = await it.next();
      if (next.done) break;
      head.push(next.value);
      have += next.value.length;
    }
    const first = head.length === 1 ? (head[0] as Uint8Array) : Uint8Array.from(head.flatMap((c) => [...c.subarray(0, 2)]));
    if (!isGzip(first)) {
      yield* replay();
    } else if (via === 'zlib' || (via === 'auto' && nodeBuiltin('node:zlib') !== undefined)) {
      yield* gunzipWithZlib(replay(), ctx);
    } else {
      yield* gunzipWithStreams(replay(), ctx);
    }
  } finally {
    if (!replayed) await it.return?.();
  }
}

function gzipError(ctx: GunzipContext, cause: unknown): DataError {
  return new DataError(`${ctx.caller}: one valid gzip stream (got ${ctx.archiveName}: damaged, cut off or followed by more data)`, { cause });
}

/** Node: zlib's Gunzip, then a check that it used all the input and that the input was one member. */
async function* gunzipWithZlib(input: AsyncIterable<Uint8Array>, ctx: GunzipContext): AsyncGenerator<Uint8Array> {
  const zlib = nodeBuiltin('node:zlib');
  const stream = nodeBuiltin('node:stream');
  if (zlib === undefined || stream === undefined) throw new PlatformError(`${ctx.caller}: Node's zlib to gunzip ${ctx.archiveName} (got a runtime without it)`);
  let fed = 0;
  const tail = new Uint8Array(8);
  let sourceError: unknown;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      fed += chunk.length;
      if (chunk.length >= 8) tail.set(chunk.subarray(chunk.length - 8));
      else tail.set([...tail.subarray(chunk.length), ...chunk]);
      yield chunk;
    }
  }
  const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
  const source = stream.Readable.from(counted(), { objectMode: false });
  source.on('error', (e) => {
    sourceError = e;
    gunzip.destroy(e);
  });
  source.pipe(gunzip);
  let crc = 0;
  let size = 0;
  try {
    for await (const out of gunzip as AsyncIterable<Uint8Array>) {
      crc = zlib.crc32(out, crc);
      size += out.length;
      yield out;
    }
  } catch (e) {
    throw e === sourceError ? e : gzipError(ctx, e);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  // zlib stops at trailing zeros and reads on into a further member; one member ends with its own
  // CRC-32 and size (mod 2^32), little-endian, as the last 8 bytes.
  const view = new DataView(tail.buffer);
  if (gunzip.bytesWritten !== fed) throw gzipError(ctx, new Error(`${fed - gunzip.bytesWritten} bytes after the gzip member`));
  if (view.getUint32(0, true) !== crc || view.getUint32(4, true) !== size % 2 ** 32) {
    throw gzipError(ctx, new Error('more than one gzip member: the last CRC-32 and size are not those of the whole'));
  }
}

/** Browsers: DecompressionStream('gzip'), fed from the chunks on demand. */
async function* gunzipWithStreams(input: AsyncIterable<Uint8Array>, ctx: GunzipContext): AsyncGenerator<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') {
    throw new PlatformError(
      `${ctx.caller}: DecompressionStream or Node's zlib to gunzip ${ctx.archiveName}, or the plain .tar instead (got a runtime with neither)`,
    );
  }
  const it = input[Symbol.asyncIterator]();
  let sourceFailed = false;
  let sourceError: unknown;
  const source = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await it.next();
      } catch (e) {
        sourceFailed = true;
        sourceError = e;
        controller.error(e);
        return;
      }
      try {
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch {
        // the decompressor failed meanwhile and tore the pipe down; its error is the one reported
      }
    },
    async cancel() {
      await it.return?.();
    },
  });
  const gunzip = new DecompressionStream('gzip') as unknown as { writable: WritableStream<Uint8Array>; readable: ReadableStream<Uint8Array> };
  const reader = source.pipeThrough(gunzip).getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
    finished = true;
  } catch (e) {
    throw sourceFailed ? sourceError : gzipError(ctx, e);
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}
