/**
 * Bytes from wherever a page or a script has them: an ArrayBuffer, a Uint8Array (a Node Buffer is
 * one), a Blob (a File dropped on a page is one) or a fetch Response. No Node, no DOM needed beyond
 * what the value itself brings.
 * @module
 */
import { DataError } from './errors.js';

/**
 * Bytes as the byte readers take them: an `ArrayBuffer`, a `Uint8Array` (a Node `Buffer` is one), a
 * `Blob` (a `File` from a file input or a drop is one) or a fetch `Response` (its body is read once;
 * a status outside 200..299 is an error).
 *
 * @example
 * ```ts
 * import type { ByteSource } from '@tapegrad/data';
 * const sources: ByteSource[] = [new Uint8Array(3073), new ArrayBuffer(3073), new Blob([new Uint8Array(3073)])];
 * console.log(sources.length); // 3
 * ```
 * @category Bytes
 */
export type ByteSource = ArrayBuffer | Uint8Array | Blob | Response;

/** Pieces of an in-memory source handed on at a time (views, not copies). */
const PIECE = 1024 * 1024;

const isBlob = (v: unknown): v is Blob => typeof Blob !== 'undefined' && v instanceof Blob;
const isResponse = (v: unknown): v is Response => typeof Response !== 'undefined' && v instanceof Response;

/**
 * Checks that `value` is a {@link ByteSource}.
 * @throws TypeError `<caller>: <name> as an ArrayBuffer, Uint8Array, Blob or Response (got ...)`.
 * @internal
 */
export function checkByteSource(caller: string, value: unknown, name: string): asserts value is ByteSource {
  if (value instanceof Uint8Array || value instanceof ArrayBuffer || isBlob(value) || isResponse(value)) return;
  const got = value === null ? 'null' : ArrayBuffer.isView(value) ? value.constructor.name : typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
  throw new TypeError(`${caller}: ${name} as an ArrayBuffer, Uint8Array, Blob or Response (got ${got})`);
}

/** How a source names itself in messages: a File's name, a Response's URL, else `fallback`. @internal */
export function sourceName(source: ByteSource, fallback: string): string {
  if (isResponse(source)) return source.url || fallback;
  if (isBlob(source) && typeof (source as { name?: unknown }).name === 'string' && (source as File).name !== '') return (source as File).name;
  return fallback;
}

/** A Response's body, after checking its status and that it was not read yet. */
function responseBody(caller: string, response: Response, label: string): ReadableStream<Uint8Array> | null {
  if (!response.ok) {
    const status = response.status === 0 ? 'an opaque or failed response' : `HTTP ${response.status} ${response.statusText}`.trimEnd();
    throw new DataError(`${caller}: a successful response for ${label} (got ${status})`);
  }
  if (response.bodyUsed) throw new DataError(`${caller}: an unread Response for ${label} (got one whose body was already read)`);
  return response.body as ReadableStream<Uint8Array> | null;
}

function readError(caller: string, label: string, e: unknown): DataError {
  if (e instanceof DataError) return e;
  return new DataError(`${caller}: the bytes of ${label} (got an error reading them: ${(e as Error)?.message ?? String(e)})`, { cause: e });
}

/**
 * The bytes of `source` as a stream of chunks: views into an in-memory source, the body of a Blob or
 * a Response as it arrives. Cancelling the iteration cancels the body.
 * @throws {@link DataError} when a Response failed or was read already, or reading fails.
 * @internal
 */
export async function* sourceChunks(caller: string, source: ByteSource, label: string): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    for (let at = 0; at < bytes.length; at += PIECE) yield bytes.subarray(at, at + PIECE);
    return;
  }
  const body = isResponse(source) ? responseBody(caller, source, label) : (source.stream() as ReadableStream<Uint8Array>);
  if (body === null) return;
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      let next: { done: true; value?: undefined } | { done: false; value: Uint8Array };
      try {
        next = (await reader.read()) as typeof next;
      } catch (e) {
        throw readError(caller, label, e);
      }
      if (next.done) break;
      yield next.value;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

/** How many bytes `source` holds, when that is known before they are read (all but a Response). @internal */
export function sourceSize(source: ByteSource): number | undefined {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return source.byteLength;
  return isBlob(source) ? source.size : undefined;
}

/**
 * All the bytes of `source`: the same bytes (no copy) for a Uint8Array, a view for an ArrayBuffer.
 * @throws {@link DataError} when a Response failed or was read already, or reading fails.
 * @internal
 */
export async function readByteSource(caller: string, source: ByteSource, label: string): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (isResponse(source)) responseBody(caller, source, label);
  try {
    return new Uint8Array(await source.arrayBuffer());
  } catch (e) {
    throw readError(caller, label, e);
  }
}
