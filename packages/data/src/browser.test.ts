/**
 * @tapegrad/data in Chromium: a page bundles the package entry with esbuild as a user's bundler
 * would (platform browser, no config but resolving the workspace's sources), gets the hostile bytes
 * made here in Node, and must give the same DataErrors (name and message) as Node does on the same
 * bytes; a valid miniature archive must load to the same data, gunzipped by DecompressionStream; the
 * Node-only functions must throw a PlatformError naming the bytes alternative.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser, launchChromium, recordConsole, serveDirectory, skipBrowserTests, type PageLog, type StaticServer } from '@tapegrad/test-support/browser';
import { splitCIFAR10Data } from './cifar10.js';
import { loadCIFAR10FromArchive, loadCIFAR10FromFiles } from './cifar10Bytes.js';
import { hostileArchiveFiles, hostileArchives, hostileFileSets, validArchive, validTar } from './test-utils/hostileArchives.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const src = (pkg: string) => join(repo, 'packages', pkg, 'src', 'index.ts');

/** What the page reports for one input: the error's class name, message and DataError-ness, or a summary of the data. */
interface Outcome {
  error?: { name: string; message: string; isDataError: boolean };
  data?: Summary;
}
interface Summary {
  shapes: number[][];
  dtypes: string[];
  labels: number[];
  pixelSum: number;
  classes: string[];
  meanSum?: number;
}

// The page: its functions, on `window.run`, call the bundled @tapegrad/data and report outcomes as plain data.
const PAGE_SCRIPT = `
import * as data from '@tapegrad/data';
const summary = (c) => ({
  shapes: [c.XTrain.shape, c.yTrain.shape, c.XTest.shape, c.yTest.shape],
  dtypes: [c.XTrain.dtype, c.yTrain.dtype, c.XTest.dtype, c.yTest.dtype],
  labels: [...c.yTrain.toArray(), ...c.yTest.toArray()],
  pixelSum: c.XTrain.data.data.reduce((a, b) => a + b, 0) + c.XTest.data.data.reduce((a, b) => a + b, 0),
  classes: c.classes,
});
const outcome = async (run) => {
  try { return { data: summary(await run()) }; }
  catch (e) { return { error: { name: e.name, message: e.message, isDataError: e instanceof data.DataError } }; }
};
const bytesOf = async (file) => new Uint8Array(await (await fetch(file)).arrayBuffer());
let decompressions = 0;
const Native = globalThis.DecompressionStream;
globalThis.DecompressionStream = class extends Native { constructor(format) { super(format); decompressions++; } };
window.run = {
  archive: async (file) => outcome(async () => data.loadCIFAR10FromArchive(await bytesOf(file))),
  fetched: async (file) => outcome(async () => data.loadCIFAR10FromArchive(await fetch(file))),
  files: async (files) => outcome(async () => data.loadCIFAR10FromFiles(await Promise.all(files.map(async (f) => ({ name: f.name, data: new Blob([await bytesOf(f.file)]) }))))),
  split: async (file, opts) => {
    const s = data.splitCIFAR10Data(await data.loadCIFAR10FromArchive(await bytesOf(file)), opts);
    return { shapes: [s.XTrain.shape, s.XVal.shape, s.XTest.shape], meanSum: s.meanImage.toFloat64Array().reduce((a, b) => a + b, 0), first: s.XTrain.toFloat64Array()[5] };
  },
  nodeOnly: async () => Promise.all([
    outcome(() => data.loadCIFAR10('/data')),
    outcome(() => data.getCIFAR10Data()),
    outcome(() => data.downloadCIFAR10()),
    outcome(() => data.resolveCIFAR10Dir()),
    outcome(() => data.dataCacheDir()),
  ]),
  decompressions: () => decompressions,
  hasProcess: () => typeof process !== 'undefined',
};
document.title = 'ready';
`;

/** What Node gives for the same input, in the page's terms. */
async function nodeOutcome(run: () => Promise<import('./cifar10.js').CIFAR10>): Promise<Outcome> {
  try {
    const c = await run();
    const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);
    return {
      data: {
        shapes: [c.XTrain.shape, c.yTrain.shape, c.XTest.shape, c.yTest.shape].map((s) => [...s]),
        dtypes: [c.XTrain.dtype, c.yTrain.dtype, c.XTest.dtype, c.yTest.dtype],
        labels: [...(c.yTrain.toArray() as number[]), ...(c.yTest.toArray() as number[])],
        pixelSum: sum(c.XTrain.data.data) + sum(c.XTest.data.data),
        classes: c.classes,
      },
    };
  } catch (e) {
    const err = e as Error;
    return { error: { name: err.name, message: err.message, isDataError: err.name === 'DataError' } };
  }
}

describe.skipIf(skipBrowserTests)('@tapegrad/data in Chromium', () => {
  const root = mkdtempSync(join(tmpdir(), 'tapegrad-data-browser-'));
  const archives = [...hostileArchives, ...hostileArchiveFiles];
  let browser: Browser;
  let server: StaticServer;
  let page: Page;
  let log: PageLog;
  let bundledImports: string[] = [];
  /** Calls `run[fn](...args)` in the page. */
  const call = <T>(fn: string, ...args: unknown[]): Promise<T> =>
    page.evaluate(
      ([f, a]) => (globalThis as unknown as { run: Record<string, (...x: unknown[]) => unknown> }).run[f as string]!(...(a as unknown[])),
      [fn, args] as const,
    ) as Promise<T>;

  beforeAll(async () => {
    // the page's entry imports @tapegrad/data, bundled for the browser from the workspace's sources
    writeFileSync(join(root, 'entry.mjs'), PAGE_SCRIPT);
    const esbuild = await import('esbuild');
    const built = await esbuild.build({
      entryPoints: [join(root, 'entry.mjs')], bundle: true, platform: 'browser', format: 'esm', outfile: join(root, 'bundle.js'),
      logLevel: 'silent', metafile: true, alias: { '@tapegrad/data': src('data'), '@tapegrad/core': src('core') },
    });
    bundledImports = Object.values(built.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="bundle.js"></script>');
    mkdirSync(join(root, 'cases'));
    archives.forEach((c, i) => writeFileSync(join(root, 'cases', `archive-${i}.bin`), c.bytes));
    hostileFileSets.forEach((c, i) => [...c.files].forEach(([name, bytes]) => writeFileSync(join(root, 'cases', `set-${i}-${name}`), bytes)));
    writeFileSync(join(root, 'valid.tar.gz'), validArchive);
    writeFileSync(join(root, 'valid.tar'), validTar);
    server = await serveDirectory(root);
    browser = await launchChromium();
    page = await browser.newPage();
    log = recordConsole(page);
    await page.goto(server.url);
    await page.waitForFunction("document.title === 'ready'");
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('bundles with no Node built-in left to resolve, and runs in a page without process', async () => {
    // esbuild refuses a node: import for the browser platform; the bundle was made, and nothing in it imports one
    expect(bundledImports.filter((p) => p.startsWith('node:') || p === 'tar')).toEqual([]);
    expect(bundledImports.some((p) => p.endsWith('data/src/tarReader.ts'))).toBe(true);
    expect(await call<boolean>('hasProcess')).toBe(false);
  });

  it('loads the valid miniature archive with DecompressionStream, to the data Node reads', async () => {
    const before = await call<number>('decompressions');
    const inPage = await call<Outcome>('archive', 'valid.tar.gz');
    const after = await call<number>('decompressions');
    expect(after - before).toBe(1);
    const inNode = await nodeOutcome(() => loadCIFAR10FromArchive(validArchive));
    expect(inNode.data?.shapes).toEqual([[27, 3, 32, 32], [27], [11, 3, 32, 32], [11]]);
    expect(inPage).toEqual(inNode);
    // a streamed Response and the plain tar (no decompression) give the same
    expect(await call<Outcome>('fetched', 'valid.tar.gz')).toEqual(inNode);
    const plainBefore = await call<number>('decompressions');
    expect(await call<Outcome>('archive', 'valid.tar')).toEqual(inNode);
    expect(await call<number>('decompressions')).toBe(plainBefore);
  });

  it('splits the data as Node does', async () => {
    const opts = { numTraining: 20, numValidation: 7, numTest: 11 };
    const inPage = await call('split', 'valid.tar.gz', opts);
    const s = splitCIFAR10Data(await loadCIFAR10FromArchive(validArchive), opts);
    expect(inPage).toEqual({
      shapes: [s.XTrain.shape, s.XVal.shape, s.XTest.shape],
      meanSum: s.meanImage.toFloat64Array().reduce((a, b) => a + b, 0),
      first: s.XTrain.toFloat64Array()[5],
    });
  });

  it('gives the same DataErrors as Node for every hostile archive', async () => {
    const inPage: Outcome[] = [];
    for (let i = 0; i < archives.length; i++) {
      inPage.push(await call<Outcome>('archive', `cases/archive-${i}.bin`));
    }
    const inNode = await Promise.all(archives.map((c) => nodeOutcome(() => loadCIFAR10FromArchive(c.bytes))));
    const expected = archives.map((c) => ({ error: { name: 'DataError', message: c.message.replace('<caller>', 'loadCIFAR10FromArchive'), isDataError: true } }));
    expect(inNode).toEqual(expected);
    for (let i = 0; i < archives.length; i++) expect(inPage[i], archives[i]?.name).toEqual(expected[i]);
  });

  it('gives the same DataErrors as Node for hostile batch files', async () => {
    for (const [i, c] of hostileFileSets.entries()) {
      const files = [...c.files.keys()].map((name) => ({ name, file: `cases/set-${i}-${name}` }));
      const inPage = await call<Outcome>('files', files);
      const inNode = await nodeOutcome(() => loadCIFAR10FromFiles([...c.files].map(([name, data]) => ({ name, data }))));
      const message = c.message.replace('<caller>', 'loadCIFAR10FromFiles').replace('<dir>', '').replace('<where>', 'the files given');
      expect(inNode, c.name).toEqual({ error: { name: 'DataError', message, isDataError: true } });
      expect(inPage, c.name).toEqual(inNode);
    }
  });

  it('makes the Node-only functions throw a PlatformError that names the bytes alternative', async () => {
    const outcomes = await call<Outcome[]>('nodeOnly');
    const messages = outcomes.map((o) => o.error?.message);
    expect(outcomes.map((o) => o.error?.name)).toEqual(new Array(5).fill('PlatformError'));
    const needs = 'Node.js 20.16 or later, for its file system and network; from bytes,';
    const runtime = '(got a runtime without process.getBuiltinModule, such as a browser)';
    expect(messages).toEqual([
      `loadCIFAR10: ${needs} loadCIFAR10FromFiles(files) or loadCIFAR10FromArchive(archive) ${runtime}`,
      `getCIFAR10Data: ${needs} splitCIFAR10Data(await loadCIFAR10FromArchive(archive), opts) ${runtime}`,
      `downloadCIFAR10: ${needs} loadCIFAR10FromArchive(await fetch(url)) on an archive your server serves ${runtime}`,
      `resolveCIFAR10Dir: ${needs} loadCIFAR10FromArchive(await fetch(url)) on an archive your server serves ${runtime}`,
      `dataCacheDir: ${needs} loadCIFAR10FromArchive(await fetch(url)) on an archive your server serves ${runtime}`,
    ]);
    expect(log.errors).toEqual([]);
  });

  it.runIf(existsSync(join(repo, 'packages', 'data', 'dist', 'index.js')))('the built package entry bundles for the browser with no config at all', async () => {
    // what a user's bundler sees: @tapegrad/data resolved through node_modules to dist/index.js
    const entry = join(repo, 'packages', 'data', '.browser-entry.tmp.mjs');
    writeFileSync(entry, "import * as data from '@tapegrad/data';\nconsole.log(Object.keys(data).length);\n");
    try {
      await bundleForBrowser(entry, join(root, 'dist-bundle.js'));
    } finally {
      rmSync(entry, { force: true });
    }
    expect(readFileSync(join(root, 'dist-bundle.js'), 'utf8')).toContain('loadCIFAR10FromArchive');
  });
});
