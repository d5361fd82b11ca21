/**
 * An overall progress bar for a batch of trainings: redrawn in place on a terminal, plain lines
 * (one per finished training) when the stream is not a terminal (CI logs, pipes).
 * @module
 */
import { formatDuration } from '@tapegrad/core';

/** Where progress goes: a stream with `write`, and `isTTY`/`columns` when it is a terminal. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** Progress over `totalWork` units (iterations) in `totalRuns` trainings. */
export class Progress {
  private work = 0;
  private runs = 0;
  private readonly start = Date.now();
  private lastDraw = '';
  private lastDrawAt = 0;
  private finished = false;

  /**
   * @param label - what is running (`weight-scale`).
   * @param totalWork - units of work in all (iterations, summed over the trainings).
   * @param totalRuns - trainings in all.
   * @param stream - the terminal or log (default stderr).
   */
  constructor(
    private readonly label: string,
    private readonly totalWork: number,
    private readonly totalRuns: number,
    private readonly stream: ProgressStream = process.stderr,
  ) {
    if (!this.stream.isTTY) this.stream.write(`${label}: ${totalRuns} trainings, ${totalWork} iterations\n`);
  }

  /** Sets the work done so far (iterations over all trainings); redraws the bar at most 5 times a second. */
  setWork(done: number): void {
    this.work = Math.min(done, this.totalWork);
    if (this.stream.isTTY && Date.now() - this.lastDrawAt >= 200) this.draw();
  }

  /** Records a finished training, named for the log. */
  runDone(name: string): void {
    this.runs++;
    if (this.stream.isTTY) this.draw();
    else {
      const elapsed = (Date.now() - this.start) / 1000;
      this.stream.write(`${this.label}: ${this.runs}/${this.totalRuns} trainings done (${name}), ${formatDuration(elapsed)} elapsed\n`);
    }
  }

  /** The bar's text at this moment. */
  line(width = 80): string {
    const fraction = this.totalWork > 0 ? this.work / this.totalWork : this.runs / Math.max(1, this.totalRuns);
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = fraction > 0.02 ? (elapsed * (1 - fraction)) / fraction : NaN;
    const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}%  ${this.runs}/${this.totalRuns} trainings  ${formatDuration(elapsed)} elapsed  ETA ${formatDuration(eta)}`;
    const barWidth = Math.max(10, Math.min(40, width - this.label.length - tail.length - 4));
    const filled = Math.round(fraction * barWidth);
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
  }

  private draw(): void {
    this.lastDrawAt = Date.now();
    const text = this.line(this.stream.columns ?? 80);
    if (text === this.lastDraw) return;
    this.lastDraw = text;
    this.stream.write(`\r${text}\x1b[K`);
  }

  /** Stops redrawing; on a terminal, leaves the final bar on its own line. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.stream.isTTY) {
      this.work = this.totalWork;
      this.draw();
      this.stream.write('\n');
    } else {
      this.stream.write(`${this.label}: done in ${formatDuration((Date.now() - this.start) / 1000)}\n`);
    }
  }
}
