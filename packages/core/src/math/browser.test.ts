/**
 * The same bits in Chromium as in Node: core's log, exp and pow ports, the gaussians built on them and
 * logspace, computed by one bundle (esbuild) in Debian's Chromium and by the same code here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordConsole, serveDirectory, skipBrowserTests, type StaticServer } from '@tapegrad/test-support/browser';
import { engineDigest, type EngineDigest } from './test-utils/engineDigest.js';

const N = 400_000;

describe.skipIf(skipBrowserTests)('core\'s log, exp and pow in Chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  let server: StaticServer;
  const root = mkdtempSync(join(tmpdir(), 'tapegrad-math-'));
  let chromium: EngineDigest;
  let node: EngineDigest;

  beforeAll(async () => {
    const esbuild = await import('esbuild');
    await esbuild.build({
      stdin: { contents: 'import { engineDigest } from "./engineDigest.ts"; globalThis.engineDigest = engineDigest;', resolveDir: fileURLToPath(new URL('./test-utils/', import.meta.url)), loader: 'ts' },
      bundle: true, platform: 'browser', format: 'esm', outfile: join(root, 'bundle.js'), logLevel: 'silent',
    });
    writeFileSync(join(root, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="bundle.js"></script>');
    browser = await launchChromium();
    server = await serveDirectory(root);
    const page = await browser.newPage();
    const log = recordConsole(page);
    await page.goto(server.url);
    await page.waitForFunction(() => 'engineDigest' in globalThis);
    chromium = await page.evaluate((n) => (globalThis as unknown as { engineDigest: (n: number) => EngineDigest }).engineDigest(n), N);
    expect(log.errors).toEqual([]);
    node = engineDigest(N);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('fdlibmLog, fdlibmExp and fdlibmPow give the bits they give in Node, over millions of arguments', () => {
    console.log(`math: Chromium's own Math.log differs from Node's (the port's) for ${chromium.mathLogDiffers} of ${chromium.logCount} arguments, `
      + `Math.exp for ${chromium.mathExpDiffers} of ${chromium.expCount}, Math.pow for ${chromium.mathPowDiffers} of ${chromium.powCount}`);
    expect(node.logCount).toBeGreaterThan(1_500_000);
    expect(node.expCount).toBeGreaterThan(1_500_000);
    expect(node.powCount).toBeGreaterThan(2_500_000);
    expect({ log: chromium.log, exp: chromium.exp, pow: chromium.pow }).toEqual({ log: node.log, exp: node.exp, pow: node.pow });
    expect([node.mathLogDiffers, node.mathExpDiffers, node.mathPowDiffers]).toEqual([0, 0, 0]);
  });

  it('a seed gives the same million gaussians, and logspace the same weight scales', () => {
    expect(chromium.firstGaussians).toEqual(node.firstGaussians);
    expect(chromium.gaussians).toBe(node.gaussians);
    expect(chromium.weightScales).toEqual(node.weightScales);
    expect(node.weightScales[0]).toBe(1e-4);
  });
});
