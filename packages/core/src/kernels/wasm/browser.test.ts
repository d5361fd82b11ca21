/**
 * The kernels in real Chromium: a bundle of `@tapegrad/core` (esbuild, from the sources) served
 * with and without cross-origin isolation, run on the page and in a dedicated Worker, and on a page
 * whose `WebAssembly.Memory` refuses shared memory as most browsers do without isolation.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, recordConsole, serveDirectory, skipBrowserTests, type PageLog, type StaticServer } from '@tapegrad/test-support/browser';
import { toleranceFor } from '@tapegrad/test-support/allclose';
import type { KernelReport } from '../test-utils/browserScenarios.js';
import { PRODUCT_CASES, productInputs, training } from '../test-utils/browserScenarios.js';
import { jsKernels } from '../jsKernels.js';
import { swapKernels } from '../registry.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Bundles the test entry for the browser, resolving `@tapegrad/core` to the sources. */
async function bundle(outfile: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [here('../test-utils/browserEntry.ts')], bundle: true, platform: 'browser', format: 'esm', outfile,
    alias: { '@tapegrad/core': here('../../index.ts') }, logLevel: 'silent',
  });
}

const MODULE = '<link rel="icon" href="data:,"><script type="module" src="bundle.js"></script>';
/** Most browsers refuse a shared WebAssembly.Memory without cross-origin isolation; this page's does. */
const REFUSE_SHARED = `<script>
const Memory = WebAssembly.Memory;
WebAssembly.Memory = function (descriptor) {
  if (descriptor && descriptor.shared) throw new TypeError('WebAssembly.Memory(): shared memory is refused here (simulated)');
  return new Memory(descriptor);
};
WebAssembly.Memory.prototype = Memory.prototype;
</script>`;

type Where = 'run' | 'inWorker';

/** Runs scenario `name` on the page (`run`) or in its dedicated Worker (`inWorker`). */
async function call<T>(page: Page, where: Where, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(([w, n, a]) => {
    const api = (globalThis as unknown as { tapegradTest: Record<string, (name: string, ...args: unknown[]) => Promise<unknown>> }).tapegradTest;
    return api[w as string]!(n as string, ...(a as unknown[]));
  }, [where, name, args] as const) as Promise<T>;
}

/** The naive float64 product of case `i`'s operands (written from the formula). */
function naiveProduct(i: number): Float64Array {
  const [m, k, n] = PRODUCT_CASES[i]!;
  const { a, b } = productInputs(i);
  const A = a.toFloat64Array(), B = b.toFloat64Array();
  const c = new Float64Array(m * n);
  for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += A[r * k + p]! * B[p * n + j]!;
    c[r * n + j] = s;
  }
  return c;
}

function expectCorrectProducts(got: number[][]): void {
  expect(got.length).toBe(PRODUCT_CASES.length);
  got.forEach((values, i) => expect(values, `product ${PRODUCT_CASES[i]!.join('×')}`).toBeAllclose(naiveProduct(i), toleranceFor(PRODUCT_CASES[i]![3], 'reduction')));
}

describe.skipIf(skipBrowserTests)('the kernels in Chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  let plain: StaticServer;
  let isolated: StaticServer;
  const root = mkdtempSync(join(tmpdir(), 'tapegrad-kernels-'));

  beforeAll(async () => {
    await bundle(join(root, 'bundle.js'));
    writeFileSync(join(root, 'index.html'), `<!doctype html>${MODULE}`);
    writeFileSync(join(root, 'refused.html'), `<!doctype html>${REFUSE_SHARED}${MODULE}`);
    browser = await launchChromium();
    plain = await serveDirectory(root);
    isolated = await serveDirectory(root, { isolated: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await plain?.close();
    await isolated?.close();
  });

  /** A fresh page at `url`, its console recorded from the start. */
  async function open(url: string): Promise<{ page: Page; log: PageLog }> {
    const page = await browser.newPage();
    const log = recordConsole(page);
    await page.goto(url);
    await page.waitForFunction(() => 'tapegradTest' in globalThis);
    return { page, log };
  }

  test('without isolation, on the page: the WebAssembly kernels, no threads (one message naming the main thread), correct products', async () => {
    const { page, log } = await open(plain.url);
    const first = await call<KernelReport>(page, 'run', 'report');
    expect(first).toMatchObject({ name: 'wasm', threads: 0, crossOriginIsolated: false, worker: false });
    expect(first.reason).toMatch(/^WebAssembly SIMD runs here/);
    expect(log.messages).toEqual([]);
    const asked = await call<KernelReport>(page, 'run', 'select', 'wasm', 4);
    expect(asked).toMatchObject({ name: 'wasm', threads: 0 });
    expect(asked.reason).toMatch(/without worker threads: the calling thread may not block/);
    expectCorrectProducts(await call<number[][]>(page, 'run', 'products'));
    // a new set (other options), the same reason: no second message
    expect(await call<KernelReport>(page, 'run', 'select', 'wasm', 3)).toMatchObject({ name: 'wasm', threads: 0 });
    expect(log.messages).toHaveLength(1);
    expect(log.messages[0]).toMatch(/^warning: tapegrad: GEMM runs without worker threads: the calling thread may not block/);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  test('without isolation, in a dedicated Worker: threads asked for give none, naming cross-origin isolation', async () => {
    const { page, log } = await open(plain.url);
    const asked = await call<KernelReport>(page, 'inWorker', 'select', 'wasm', 4);
    expect(asked).toMatchObject({ name: 'wasm', threads: 0, worker: true, crossOriginIsolated: false });
    expect(asked.reason).toMatch(/not cross-origin isolated.*Cross-Origin-Embedder-Policy/);
    expectCorrectProducts(await call<number[][]>(page, 'inWorker', 'products'));
    expect(log.messages).toEqual(['warning: tapegrad: GEMM runs without worker threads: the page is not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp']);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  test('with isolation, in a dedicated Worker: threads from hardwareConcurrency, and split products and training steps equal single-threaded ones', async () => {
    const { page, log } = await open(isolated.url);
    // setKernels returns at once: a product before the workers are ready runs on the calling thread
    const early = await call<{ atOnce: KernelReport; ready: KernelReport; product: number[] }>(page, 'inWorker', 'productBeforeReady', 15);
    expect(early.atOnce).toMatchObject({ threads: early.ready.threads, splitProducts: 0 });
    expect(early.ready.splitProducts).toBe(0);
    expect(early.product, 'a product before the workers are ready').toBeAllclose(naiveProduct(3), toleranceFor('float32', 'reduction'));
    const threaded = await call<KernelReport>(page, 'inWorker', 'select', 'wasm', 14);
    expect(threaded).toMatchObject({ name: 'wasm', worker: true, crossOriginIsolated: true });
    expect(threaded.hardwareConcurrency).toBeGreaterThanOrEqual(2);
    expect(threaded.threads).toBe(Math.min(15, threaded.hardwareConcurrency! - 1));
    expect(threaded.splitProducts).toBe(0);
    const withThreads = await call<number[][]>(page, 'inWorker', 'products');
    const trainedWithThreads = await call<ReturnType<typeof training>>(page, 'inWorker', 'training');
    const after = await call<KernelReport>(page, 'inWorker', 'report');
    // two split products, and 3 steps × (2 forward + 3 backward: x needs no gradient) products
    expect(after.splitProducts).toBe(2 + 3 * 5);

    const single = await call<KernelReport>(page, 'inWorker', 'select', 'wasm', 0);
    expect(single).toMatchObject({ name: 'wasm', threads: 0, splitProducts: 0 });
    const withoutThreads = await call<number[][]>(page, 'inWorker', 'products');
    const trainedAlone = await call<ReturnType<typeof training>>(page, 'inWorker', 'training');
    expect((await call<KernelReport>(page, 'inWorker', 'report')).splitProducts).toBe(0);

    expectCorrectProducts(withThreads);
    // a split product computes each element as the whole one does: the same bits
    expect(withThreads).toEqual(withoutThreads);
    expect(trainedWithThreads).toEqual(trainedAlone);
    expect(trainedAlone.losses[2]).toBeLessThan(trainedAlone.losses[0]!);
    expect(log.messages).toEqual([]);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  test('with isolation, on the page: threads asked for give none, with one message naming the main thread', async () => {
    const { page, log } = await open(isolated.url);
    const asked = await call<KernelReport>(page, 'run', 'select', 'auto', 4);
    expect(asked).toMatchObject({ name: 'wasm', threads: 0, crossOriginIsolated: true });
    expect(log.messages).toEqual(['warning: tapegrad: GEMM runs without worker threads: the calling thread may not block (Atomics.wait), as on a page\'s main thread: run tapegrad in a dedicated Worker to use threads']);
    await page.close();
  });

  test('a refused shared memory: \'auto\' falls back to the TypeScript kernels with exactly one console message, \'wasm\' throws naming why, and training works', async () => {
    const { page, log } = await open(`${plain.url}refused.html`);
    const auto = await call<KernelReport>(page, 'run', 'report');
    expect(auto).toMatchObject({ name: 'js', threads: 0 });
    expect(auto.reason).toMatch(/^'auto' chose them: the WebAssembly kernels cannot run here: a shared WebAssembly.Memory was refused \(TypeError: .*simulated\)/);
    const wasm = await call<{ error: string }>(page, 'run', 'select', 'wasm');
    expect(wasm.error).toMatch(/^Error: setKernels: the WebAssembly kernels cannot run here: a shared WebAssembly.Memory was refused .*\(got 'wasm'\); use 'js' or 'auto'$/);
    expect(await call<KernelReport>(page, 'run', 'select', 'auto')).toMatchObject({ name: 'js' });
    const small = { batch: 8, input: 30, hidden: 20, output: 5, steps: 4 };
    const trained = await call<ReturnType<typeof training>>(page, 'run', 'training', small);
    expectCorrectProducts(await call<number[][]>(page, 'run', 'products'));
    expect(log.messages).toHaveLength(1);
    expect(log.messages[0]).toMatch(/^warning: tapegrad: using the TypeScript kernels \('js'\), slower: the WebAssembly kernels cannot run here: a shared WebAssembly.Memory was refused/);
    expect(log.errors).toEqual([]);
    // the same steps on Node's TypeScript kernels: the same code, the same bits
    const previous = swapKernels(jsKernels);
    try {
      expect(trained).toEqual(training(small));
    } finally {
      swapKernels(previous);
    }
    expect(trained.losses[3]).toBeLessThan(trained.losses[0]!);
    await page.close();
  });
});
