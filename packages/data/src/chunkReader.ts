/**
 * Reads a stream of byte chunks as exact-sized pieces, for the tar reader: headers of 512 bytes,
 * member data passed on chunk by chunk. Holds at most one chunk (plus one header being assembled),
 * so memory stays bounded whatever the stream's length. No Node, no DOM.
 * @module
 * @internal
 */

const EMPTY: Uint8Array = new Uint8Array(0);

/** Pulls chunks from an async iterator on demand and hands out exact byte counts. @internal */
export class ChunkReader {
  private chunk: Uint8Array = EMPTY;
  private at = 0;
  private ended = false;
  private readonly it: AsyncIterator<Uint8Array>;
  /** Bytes handed out so far: the offset of the next byte in the stream. */
  position = 0;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  /** Makes sure a byte is ready; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      if (this.ended) return false;
      const next = await this.it.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.chunk = next.value;
      this.at = 0;
    }
    return true;
  }

  /**
   * The next `n` bytes: a view into the current chunk when they sit in it (valid until the next
   * call), else a copy. Fewer than `n` bytes only at the end of the stream.
   */
  async read(n: number): Promise<Uint8Array> {
    if (!(await this.fill())) return EMPTY;
    if (this.chunk.length - this.at >= n) {
      const view = this.chunk.subarray(this.at, this.at + n);
      this.at += n;
      this.position += n;
      return view;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n && (await this.fill())) {
      const take = Math.min(n - got, this.chunk.length - this.at);
      out.set(this.chunk.subarray(this.at, this.at + take), got);
      this.at += take;
      this.position += take;
      got += take;
    }
    return got === n ? out : out.subarray(0, got);
  }

  /**
   * Passes the next `n` bytes to `each`, piece by piece as the chunks hold them (each piece is a
   * view, valid until `each`'s promise settles). Returns how many bytes there were: fewer than `n`
   * only at the end of the stream.
   */
  async pass(n: number, each: (piece: Uint8Array) => void | Promise<void>): Promise<number> {
    let done = 0;
    while (done < n && (await this.fill())) {
      const take = Math.min(n - done, this.chunk.length - this.at);
      const piece = this.chunk.subarray(this.at, this.at + take);
      this.at += take;
      this.position += take;
      done += take;
      await each(piece);
    }
    return done;
  }

  /** Stops the stream early (closes a file, cancels a download or a decompressor); errors are ignored. */
  async cancel(): Promise<void> {
    this.ended = true;
    try {
      await this.it.return?.();
    } catch {
      // the stream was already failing; the reader's own error is the one to report
    }
  }
}
