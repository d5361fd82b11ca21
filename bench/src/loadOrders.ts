/**
 * The paired tools' rounds, split between two child processes that load the two builds in opposite
 * orders. In one process the build loaded and warmed up first runs faster than the other, whatever
 * the order within a round: an A/A pair (one build against a hard-linked copy of itself) gives the
 * first-loaded one a few percent on two-thread W2. Alternating the order within rounds cannot undo
 * that, so the parent runs the script twice, once with `this` loaded first and once with `other`
 * first, half the rounds each, and pools the rounds: each build is the first-loaded one in half of
 * them.
 *
 * @example
 * ```ts
 * const child = loadOrderChild();
 * if (child === undefined) {
 *   const [a, b] = inBothLoadOrders<{ ms: number[] }>(20); // the parent: this script twice
 *   console.log([...a!.ms, ...(b?.ms ?? [])]);
 * } else {
 *   // load the builds in `child.order`, time `child.rounds` rounds, then:
 *   reportToParent({ ms: [1.5, 1.6] });
 * }
 * ```
 * @module
 */
import { spawnSync } from 'node:child_process';
import { writeSync } from 'node:fs';

/** The two builds of a paired tool. */
export type BuildKey = 'this' | 'other';

/** What the parent tells a child: the build it loads first and how many rounds it runs. */
export interface LoadOrderChild {
  readonly first: BuildKey;
  /**
   * The builds in the order to load and warm them up, which is also the order of the even rounds
   * (`reversed`, of the odd ones): the child loading `other` first mirrors the one loading `this` first.
   */
  readonly order: readonly [BuildKey, BuildKey];
  readonly reversed: readonly [BuildKey, BuildKey];
  readonly rounds: number;
}

const CHILD_ENV = 'TAPEGRAD_PAIRED_CHILD';
const REPORT_MARK = '@paired-report ';

/** In a child process: its load order and rounds; `undefined` in the parent. */
export function loadOrderChild(): LoadOrderChild | undefined {
  const spec = process.env[CHILD_ENV];
  if (spec === undefined) return undefined;
  const { first, rounds } = JSON.parse(spec) as { first: BuildKey; rounds: number };
  const order: [BuildKey, BuildKey] = first === 'this' ? ['this', 'other'] : ['other', 'this'];
  return { first, rounds, order, reversed: [order[1], order[0]] };
}

/**
 * Runs this script (same Node flags, same arguments) as a child twice, first with `this` loaded
 * first for `ceil(rounds / 2)` rounds, then with `other` first for the rest, and gives back each
 * child's report in that order (one report when `rounds` is 1). A child's standard error passes
 * through; its standard output carries the report only.
 */
export function inBothLoadOrders<Report>(rounds: number): Report[] {
  const reports: Report[] = [];
  const halves: [BuildKey, number][] = [['this', Math.ceil(rounds / 2)], ['other', Math.floor(rounds / 2)]];
  for (const [first, n] of halves) {
    if (n === 0) continue;
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify({ first, rounds: n }) },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith(REPORT_MARK));
    if (child.status !== 0 || line === undefined) {
      throw new Error(`loadOrders: the child loading '${first}' first should exit 0 with a report; it exited ${child.status ?? child.signal} with ${line === undefined ? 'none' : 'one'}`);
    }
    reports.push(JSON.parse(line.slice(REPORT_MARK.length)) as Report);
  }
  return reports;
}

/** In a child: hands `report` (plain JSON data) to the parent and ends the process. */
export function reportToParent(report: unknown): never {
  writeSync(1, `${REPORT_MARK}${JSON.stringify(report)}\n`);
  process.exit(0);
}
