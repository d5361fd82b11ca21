/**
 * What a generated example module imports: a `console` whose output the test captures, and
 * `__docLog(line)`, which the generator puts in place of each `console.log` so that a print is
 * known by the example line it was written on.
 * @module
 */

/** Receives each print: the example line of its `console.log` (-1 when unknown) and its arguments. */
export type PrintSink = (line: number, args: unknown[]) => void;

let sink: PrintSink | null = null;

/** Routes the prints of the examples that run next to `next` (null: drop them). */
export function setPrintSink(next: PrintSink | null): void {
  sink = next;
}

/** `console.log` of the call written on example line `line`. */
export function __docLog(line: number): (...args: unknown[]) => void {
  return (...args) => sink?.(line, args);
}

const capture = (...args: unknown[]): void => sink?.(-1, args);

/** The `console` an example sees: every printing method is captured. */
export const __docConsole: Console = Object.assign(Object.create(console) as Console, {
  log: capture,
  info: capture,
  debug: capture,
  warn: capture,
  error: capture,
  table: capture,
  dir: capture,
});
