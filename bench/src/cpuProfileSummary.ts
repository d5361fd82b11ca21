/**
 * Sums a V8 CPU profile (`node --cpu-prof`'s `.cpuprofile`) by function and by kind of work, for
 * w1Profile.ts: self time per function, then per group (the WebAssembly GEMM, the other wasm
 * kernels, copies into and out of the kernels' memory, allocation, garbage collection, the tape, …).
 *
 * Run: `node bench/dist/cpuProfileSummary.js FILE.cpuprofile [--top 40]`.
 * @module
 */
import { readFileSync } from 'node:fs';
import { cliArgs } from './cliArgs.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = cliArgs({
  script: 'cpuProfileSummary',
  usage: 'node bench/dist/cpuProfileSummary.js FILE.cpuprofile [--top N]',
  values: { top: '40' },
  positionals: { required: ['FILE.cpuprofile'] },
});
const file = args.positionals[0]!;
const top = args.number('top');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let k = 0; k < profile.samples.length; k++) {
  const id = profile.samples[k]!;
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** Frames between a kernel set's method and the WebAssembly code it runs. */
const glue = /^(wasm-function\[\d+\]|js-to-wasm.*|GenericJSToWasmWrapper|call|body|)$/;

/** The kernel-set method (gemm, adamUpdate, batchNormForward, …) that called a WebAssembly function. */
function kernelOf(id: number): string {
  for (let q = parent.get(id); q !== undefined; q = parent.get(q)) {
    const fn = byId.get(q)!.callFrame.functionName;
    if (!glue.test(fn)) return fn;
  }
  return '?';
}

/** The kind of work a function does, by its name and file (and, for WebAssembly, its caller). */
function group(fn: string, url: string, id: number): string {
  const file = url.replace(/^.*\/packages\//, '').replace(/^file:\/\//, '');
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(program)' || fn === '(idle)') return 'V8/runtime (program)';
  if (url.startsWith('wasm')) return `wasm kernel ${kernelOf(id)}`;
  if (url === '' || url.startsWith('node:')) return fn === 'fill' ? 'builtin fill (zeroing)' : fn === 'set' ? 'builtin TypedArray set (copies)' : 'builtins (typed-array views, collections, …)';
  if (/allocator|recycling/.test(file)) return 'allocation/pool';
  if (/wasmKernels|wasmHeap/.test(file)) return 'wasm call glue (copies, scratch)';
  if (/ndarray/.test(file)) return 'ndarray package (views)';
  if (/tape|backward\.js|defineOp|tensor\.js|gradMode/.test(file)) return 'tape / Tensor';
  if (/optim\//.test(file)) return 'optimizer (JS)';
  if (/nn\//.test(file)) return 'nn (JS)';
  if (/core\//.test(file)) return `core JS (${file.replace(/^core\/dist\//, '')})`;
  return 'other';
}

const byFunction = new Map<string, number>();
const byGroup = new Map<string, number>();
for (const [id, t] of self) {
  const node = byId.get(id)!;
  const { functionName: fn, url, lineNumber } = node.callFrame;
  const name = `${fn || '(anonymous)'} ${url.replace(/^.*\/packages\//, '')}:${lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + t);
  const g = group(fn, url, id);
  byGroup.set(g, (byGroup.get(g) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
console.log('\nby kind of work (self time):');
for (const [g, t] of [...byGroup].sort((a, b) => b[1] - a[1])) console.log(`${pct(t)}  ${(t / 1000).toFixed(1).padStart(8)} ms  ${g}`);
console.log(`\ntop ${top} functions (self time):`);
for (const [f, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${f}`);
