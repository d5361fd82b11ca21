/**
 * Download progress: the numbers reported to `onProgress`, and the text progress bar drawn on a
 * terminal. No Node built-ins here; the bar writes to whatever stream it is given.
 * @module
 */
import { formatDuration } from '@tapegrad/core';

/**
 * How far a download has come, as passed to `onProgress`.
 * @category Download
 */
export interface DownloadProgress {
  /** Bytes received so far. */
  received: number;
  /** Total bytes, from the server's Content-Length; null when the server did not send one. */
  total: number | null;
  /** Milliseconds since the transfer started. */
  elapsedMs: number;
  /** Recent transfer rate in bytes per second (over the last few seconds). */
  rate: number;
  /** Estimated seconds left; null when the total or the rate is unknown. */
  etaSeconds: number | null;
  /** True on the last report, once all bytes are in. */
  done: boolean;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * Formats a byte count with binary units: `512 B`, `1.5 KiB`, `162.2 MiB`.
 *
 * @param bytes - A non-negative byte count.
 * @example
 * ```ts
 * import { formatBytes } from '@tapegrad/data';
 * console.log(formatBytes(170052171)); // '162.2 MiB'
 * ```
 * @category Download
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * One line of a text progress bar:
 * `cifar-10-binary.tar.gz  45% [#########-----------] 76.5 MiB/162.2 MiB  4.1 MiB/s  ETA 0:21`.
 * Without a total it shows the bytes and the rate only.
 *
 * @param label - What is downloading (a file name).
 * @param p - The progress to show.
 * @param width - The terminal's width in columns (default 80); the bar shrinks to fit.
 * @example
 * ```ts
 * import { formatProgressLine } from '@tapegrad/data';
 * console.log(formatProgressLine('a.tar.gz', { received: 512, total: 1024, elapsedMs: 1000, rate: 512, etaSeconds: 1, done: false }));
 * // 'a.tar.gz  50% [###############---------------] 512 B/1.0 KiB  512 B/s  ETA 0:01'
 * ```
 * @category Download
 */
export function formatProgressLine(label: string, p: DownloadProgress, width = 80): string {
  const rate = `${formatBytes(p.rate)}/s`;
  if (p.total === null || p.total <= 0) {
    return `${label}  ${formatBytes(p.received)}  ${rate}`;
  }
  const fraction = Math.min(1, p.received / p.total);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const eta = p.done ? `in ${formatDuration(p.elapsedMs / 1000)}` : `ETA ${formatDuration(p.etaSeconds)}`;
  const tail = ` ${formatBytes(p.received)}/${formatBytes(p.total)}  ${rate}  ${eta}`;
  const head = `${label} ${percent} `;
  const barWidth = Math.max(10, Math.min(40, width - 1 - head.length - tail.length - 2));
  const filled = Math.round(fraction * barWidth);
  return `${head}[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`;
}

/**
 * Measures the transfer rate over a sliding window and estimates the time left.
 * @internal
 */
export class RateMeter {
  private readonly samples: { t: number; bytes: number }[] = [];
  private readonly start: number;

  /**
   * @param now - The clock in milliseconds (default `Date.now`), injectable for tests.
   * @param windowMs - The window the rate is measured over (default 5000).
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = 5000,
  ) {
    this.start = now();
    this.samples.push({ t: this.start, bytes: 0 });
  }

  /** Records that `received` bytes are in by now and returns the progress. */
  update(received: number, total: number | null, done = false): DownloadProgress {
    const t = this.now();
    this.samples.push({ t, bytes: received });
    while (this.samples.length > 2 && (this.samples[1] as { t: number }).t <= t - this.windowMs) this.samples.shift();
    const first = this.samples[0] as { t: number; bytes: number };
    const span = t - first.t;
    const rate = span > 0 ? ((received - first.bytes) * 1000) / span : 0;
    const etaSeconds = total !== null && rate > 0 ? Math.max(0, total - received) / rate : done ? 0 : null;
    return { received, total, elapsedMs: t - this.start, rate, etaSeconds, done };
  }
}

/** Where a progress bar draws: a terminal stream. @internal */
export interface ProgressStream {
  write(text: string): unknown;
  columns?: number | undefined;
}

/**
 * A progress bar redrawn in place on a terminal (carriage return), at most every `intervalMs`.
 * @internal
 */
export class ProgressBar {
  private lastDraw = -Infinity;
  private lastLength = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  /** Draws `p` unless the last draw was too recent; the final report is always drawn, with a newline. */
  update(p: DownloadProgress): void {
    const t = this.now();
    if (!p.done && t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    const line = formatProgressLine(this.label, p, this.stream.columns ?? 80);
    const pad = ' '.repeat(Math.max(0, this.lastLength - line.length));
    this.lastLength = line.length;
    this.stream.write(`\r${line}${pad}${p.done ? '\n' : ''}`);
  }

  /** Ends the line after a failed transfer, so later output starts on a fresh line. */
  abort(): void {
    if (this.lastLength > 0) this.stream.write('\n');
    this.lastLength = 0;
  }
}
