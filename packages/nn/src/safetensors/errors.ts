/**
 * The one error class of safetensors reading and writing.
 * @module
 */

/**
 * A safetensors file or byte buffer could not be read or written: a malformed or hostile file
 * (bad header length, invalid JSON, unknown dtype, a shape that disagrees with its byte length,
 * offsets out of range, overlapping or leaving gaps, an I64 value outside int32), a state dict that
 * cannot be written (a value that is not a Tensor, a reserved name), or the file system refusing.
 * The message reads `load: <what was expected> (got <what came>)` (`save: ...` when writing) and names
 * the file and the tensor when they are known; they are also in {@link SafetensorsError.file} and
 * {@link SafetensorsError.tensor}. File-system failures keep the original error as `cause`.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, SafetensorsError } from '@tapegrad/nn';
 * try { decodeSafetensors(new Uint8Array(4)); }
 * catch (e) { console.log(e instanceof SafetensorsError, (e as Error).message); }
 * // true 'load: at least 8 bytes for the header length (got 4 bytes)'
 * ```
 * @category Errors
 */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  /** The file being read or written, when known. */
  readonly file: string | undefined;
  /** The tensor the problem is in, when known. */
  readonly tensor: string | undefined;

  /**
   * @param message - the full message, `load: ... (got ...)` or `save: ... (got ...)`.
   * @param opts - `file` and `tensor` when known; `cause`: the underlying error (file-system failures).
   */
  constructor(message: string, opts: { file?: string | undefined; tensor?: string | undefined; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.file = opts.file;
    this.tensor = opts.tensor;
  }
}

/** A name or value for an error message: JSON-quoted and cut to `max` characters. @internal */
export function quote(value: unknown, max = 80): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Too deeply nested to print (JSON.stringify recurses): say what it is instead.
    text = Array.isArray(value) ? '[a deeply nested array]' : typeof value === 'object' ? '{a deeply nested object}' : typeof value;
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Builds the message of a {@link SafetensorsError}: `<op>: [<file>: ][tensor "<name>" ]<expected> (got <got>)`.
 * @internal
 */
export function safetensorsError(
  op: 'load' | 'save', expected: string, got: string,
  where: { file?: string | undefined; tensor?: string | undefined; cause?: unknown } = {},
): SafetensorsError {
  const file = where.file === undefined ? '' : `${where.file}: `;
  const tensor = where.tensor === undefined ? '' : `tensor ${quote(where.tensor)} `;
  return new SafetensorsError(`${op}: ${file}${tensor}${expected} (got ${got})`, where);
}
