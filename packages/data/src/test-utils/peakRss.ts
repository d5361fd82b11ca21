/**
 * The memory a load takes at its peak, measured in a fresh Node process: @tapegrad/data and
 * @tapegrad/core bundled from the workspace's sources (esbuild), then `node --expose-gc` runs a script
 * that prepares its inputs, collects garbage, resets its peak resident size to its resident size
 * (Linux: `5` to `/proc/self/clear_refs`), loads, and reports how far the peak (`VmHWM`) rose. A
 * process of its own, so the peak is the load's and not the test runner's (`resourceUsage().maxRSS`
 * would not do: Linux carries the parent's peak over into a child); memory, not time, so other work
 * on the machine does not change it.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const src = (pkg: string) => path.join(repo, 'packages', pkg, 'src', 'index.ts');

/** What one measured load reports. */
export interface PeakRss {
  /** Bytes the peak resident size rose above the resident size just before the load. */
  extra: number;
  /** Bytes of the loaded tensors' arrays (images and labels). */
  loaded: number;
}

/**
 * Runs `load` (an expression awaited in an ES module that has `data` = @tapegrad/data, `fs` =
 * node:fs, `path` = node:path and `dir` = `dir`) after `prepare` (statements, the same names in
 * scope) in a fresh process, and returns what the load added at its peak. The bundle goes to `dir`.
 */
export async function peakRssOfLoad(dir: string, prepare: string, load: string): Promise<PeakRss> {
  const entry = path.join(dir, `rss-entry-${process.pid}-${Date.now()}.mjs`);
  const bundle = entry.replace(/\.mjs$/, '.bundle.mjs');
  fs.writeFileSync(entry, [
    "import * as data from '@tapegrad/data';",
    "import * as fs from 'node:fs';",
    "import * as path from 'node:path';",
    `const dir = ${JSON.stringify(dir)};`,
    prepare,
    // the garbage of the preparation collected, and its memory given back (freed buffers are swept after the collection)
    'globalThis.gc();',
    'await new Promise((resolve) => setTimeout(resolve, 200));',
    'globalThis.gc();',
    "const status = (field) => Number(fs.readFileSync('/proc/self/status', 'utf8').split('\\n').find((l) => l.startsWith(field + ':')).replace(/\\D/g, '')) * 1024;",
    "fs.writeFileSync('/proc/self/clear_refs', '5');",
    "const before = status('VmRSS');",
    `const cifar = await (${load});`,
    "const peak = status('VmHWM');",
    'const loaded = [cifar.XTrain, cifar.yTrain, cifar.XTest, cifar.yTest].reduce((n, t) => n + t.data.data.byteLength, 0);',
    'console.log(JSON.stringify({ extra: peak - before, loaded }));',
  ].join('\n'));
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent',
    alias: { '@tapegrad/data': src('data'), '@tapegrad/core': src('core') },
  });
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', bundle], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as PeakRss;
}
