/**
 * One-time console messages of the kernel layer: why `'auto'` fell back to the TypeScript kernels,
 * why GEMM got fewer threads than asked for. Each distinct message is printed once per realm.
 * @module
 * @internal
 */

const printed = new Set<string>();

/** Prints `message` with `console.warn`, unless this exact message was printed before. */
export function noticeOnce(message: string): void {
  if (printed.has(message)) return;
  printed.add(message);
  console.warn(message);
}
