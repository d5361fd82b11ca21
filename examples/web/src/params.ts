/**
 * The page's address as a command line: `?only=SECTION[,SECTION]` (the CLI's `--only`), `&quick`
 * (`--quick`), `&autorun` (start at once), `&kernels=js|wasm|auto`, `&workers=N` (`--workers`).
 * @module
 */
import type { KernelChoice } from './protocol.js';

export interface PageParams {
  only: string[] | null;
  quick: boolean;
  autorun: boolean;
  kernels: KernelChoice;
  /** Training workers asked for (null: the default, one per core when isolated). */
  workers: number | null;
  /** What was wrong with the address (each a sentence), shown on the page. */
  problems: string[];
}

/** A flag: present (`?quick`, `?quick=1`, `?quick=true`) is on, `=0` / `=false` / `=no` is off. */
function flag(q: URLSearchParams, name: string): boolean {
  if (!q.has(name)) return false;
  return !['0', 'false', 'no', 'off'].includes((q.get(name) ?? '').toLowerCase());
}

export function parseParams(search: string): PageParams {
  const q = new URLSearchParams(search);
  const problems: string[] = [];
  const onlyText = q.get('only');
  const only = onlyText === null ? null : onlyText.split(',').map((s) => s.trim()).filter(Boolean);
  const k = (q.get('kernels') ?? 'auto').toLowerCase();
  let kernels: KernelChoice = 'auto';
  if (k === 'js' || k === 'wasm' || k === 'auto') kernels = k;
  else problems.push(`kernels: js, wasm or auto (got ${JSON.stringify(q.get('kernels'))}); using auto.`);
  let workers: number | null = null;
  if (q.has('workers')) {
    const n = Number(q.get('workers'));
    if (Number.isInteger(n) && n >= 1 && n <= 64) workers = n;
    else problems.push(`workers: a whole number in 1..64 (got ${JSON.stringify(q.get('workers'))}); using the default.`);
  }
  return { only: only !== null && only.length > 0 ? only : null, quick: flag(q, 'quick'), autorun: flag(q, 'autorun'), kernels, workers, problems };
}
