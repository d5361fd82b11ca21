/**
 * What a section prints: Python's `print` semantics over {@link PyValue}s, kept as lines for the
 * report and echoed (to stdout, or nowhere) as they come.
 * @module
 */
import { pyPrintLine, type PyValue } from './pyFormat.js';

/** Collects printed lines; `print` behaves like Python's (arguments joined by spaces, `\n` splits lines). */
export class Printer {
  private readonly lines: string[] = [];

  /** @param echo - called with every printed line as it is printed (default: nothing). */
  constructor(private readonly echo: (line: string) => void = () => {}) {}

  /** Python's `print(*args)`. */
  print(...args: PyValue[]): void {
    for (const line of pyPrintLine(...args).split('\n')) {
      this.lines.push(line);
      this.echo(line);
    }
  }

  /** Everything printed so far, one line per printed line. */
  get text(): string {
    return this.lines.join('\n');
  }
}
