/**
 * Streams a URL into a file over HTTP(S), hashing (md5) and counting bytes as they pass (Node only).
 * @module
 */
import type * as Http from 'node:http';
import { DataError } from './errors.js';
import { BYTES_ALTERNATIVE, nodeOnly } from './nodeBuiltins.js';

/** Options of {@link fetchToFile}. @internal */
export interface FetchToFileOptions {
  /** The public function to name in error messages. */
  caller: string;
  /** Called after each chunk with the bytes received so far and the total (null when unknown). */
  onData?: ((received: number, total: number | null) => void) | undefined;
  /** Give up when no byte arrives for this long. */
  timeoutMs: number;
  /** Give up when the body is larger than this. */
  maxBytes: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
  /** Cancels the transfer. */
  signal?: AbortSignal | undefined;
}

/** What {@link fetchToFile} transferred. @internal */
export interface FetchResult {
  bytes: number;
  /** Hex md5 of the body. */
  md5: string;
  /** The URL the body came from, after redirects. */
  finalUrl: string;
}

/**
 * GETs `url` (following redirects, never from https down to http) and streams the body into the new
 * file `dest` (which must not exist). Rejects with a {@link DataError} on an HTTP error status, a
 * stalled or broken transfer, a body shorter than its Content-Length, or one over `maxBytes`; the
 * partial file is left for the caller to remove with its temp folder.
 * @internal
 */
export async function fetchToFile(url: string, dest: string, opts: FetchToFileOptions): Promise<FetchResult> {
  const { caller } = opts;
  let current = parseUrl(url, caller);
  for (let redirects = 0; ; redirects++) {
    const { req, res } = await get(current, opts);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location !== undefined) {
      res.resume();
      req.destroy();
      if (redirects >= (opts.maxRedirects ?? 5)) {
        throw new DataError(`${caller}: at most ${opts.maxRedirects ?? 5} redirects (got more, starting at ${url})`);
      }
      const next = parseUrl(new URL(location, current).href, caller);
      if (current.protocol === 'https:' && next.protocol !== 'https:') {
        throw new DataError(`${caller}: redirects to https only (got ${current.href} -> ${next.href})`);
      }
      current = next;
      continue;
    }
    if (status !== 200) {
      res.resume();
      req.destroy();
      throw new DataError(`${caller}: HTTP 200 from ${current.href} (got ${status} ${res.statusMessage ?? ''})`.trimEnd());
    }
    return receive(req, res, current.href, dest, opts);
  }
}

/** Parses an http or https URL, or throws a {@link DataError} naming `caller`. @internal */
export function parseUrl(url: string, caller: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DataError(`${caller}: an http or https URL (got ${JSON.stringify(url)})`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new DataError(`${caller}: an http or https URL (got ${url})`);
  }
  return u;
}

function get(url: URL, opts: FetchToFileOptions): Promise<{ req: Http.ClientRequest; res: Http.IncomingMessage }> {
  const { http, https } = nodeOnly(opts.caller, BYTES_ALTERNATIVE.archive);
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.get(
      url,
      {
        agent: false,
        headers: { 'user-agent': 'tapegrad-data', 'accept-encoding': 'identity' },
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (res) => resolve({ req, res }),
    );
    req.setTimeout(opts.timeoutMs, () => {
      req.destroy(new DataError(`${opts.caller}: data from ${url.href} within ${opts.timeoutMs} ms (got none for that long)`));
    });
    req.on('error', (e) => reject(wrap(e, opts.caller, url.href)));
  });
}

async function receive(
  req: Http.ClientRequest,
  res: Http.IncomingMessage,
  url: string,
  dest: string,
  opts: FetchToFileOptions,
): Promise<FetchResult> {
  const { caller, maxBytes } = opts;
  const { crypto, fs, stream, streamPromises } = nodeOnly(caller, BYTES_ALTERNATIVE.archive);
  const header = res.headers['content-length'];
  const total = header !== undefined && /^\d+$/.test(header) ? Number(header) : null;
  if (total !== null && total > maxBytes) {
    res.resume();
    req.destroy();
    throw new DataError(`${caller}: a download of at most ${maxBytes} bytes (got Content-Length ${total} from ${url})`);
  }
  const hash = crypto.createHash('md5');
  let received = 0;
  const meter = new stream.Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > maxBytes) {
        done(new DataError(`${caller}: a download of at most ${maxBytes} bytes (got more from ${url})`));
        return;
      }
      hash.update(chunk);
      opts.onData?.(received, total);
      done(null, chunk);
    },
  });
  // A timeout or cancel destroys the request; make sure that fails the pipeline with its reason.
  let failure: Error | undefined;
  req.on('error', (e) => {
    failure ??= e;
    res.destroy(e);
  });
  try {
    await streamPromises.pipeline(res, meter, fs.createWriteStream(dest, { flags: 'wx' }));
  } catch (e) {
    const cause = failure ?? (e as Error);
    if (cause instanceof DataError) throw cause;
    throw new DataError(
      `${caller}: the whole of ${url} (got ${received}${total !== null ? ` of ${total}` : ''} bytes before the transfer broke off: ${cause.message})`,
      { cause },
    );
  }
  if (total !== null && received !== total) {
    throw new DataError(`${caller}: ${total} bytes from ${url} as its Content-Length says (got ${received})`);
  }
  return { bytes: received, md5: hash.digest('hex'), finalUrl: url };
}

function wrap(e: Error, caller: string, url: string): DataError {
  if (e instanceof DataError) return e;
  return new DataError(`${caller}: a connection to ${url} (got ${e.message})`, { cause: e });
}
