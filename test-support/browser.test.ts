import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, recordConsole, serveDirectory, skipBrowserTests } from './browser.js';

const PAGE = `<!doctype html><script type="module">
let shared = 'ok';
try { new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true }); } catch (e) { shared = e.name; }
document.title = JSON.stringify({ isolated: self.crossOriginIsolated, sab: typeof SharedArrayBuffer, shared });
</script>`;

describe.skipIf(skipBrowserTests)('the browser test helpers', () => {
  let browser: Browser;
  const root = mkdtempSync(join(tmpdir(), 'tapegrad-browser-'));
  writeFileSync(join(root, 'index.html'), PAGE);
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  for (const isolated of [true, false]) {
    test(`a page served ${isolated ? 'with' : 'without'} COOP/COEP is ${isolated ? '' : 'not '}cross-origin isolated`, async () => {
      const server = await serveDirectory(root, { isolated });
      try {
        const page = await browser.newPage();
        const log = recordConsole(page);
        await page.goto(server.url);
        await page.waitForFunction("document.title.startsWith('{')");
        const seen = JSON.parse(await page.title()) as { isolated: boolean; sab: string; shared: string };
        expect(seen.isolated).toBe(isolated);
        expect(seen.sab).toBe(isolated ? 'function' : 'undefined');
        expect(log.errors).toEqual([]);
      } finally {
        await server.close();
      }
    });
  }
});
