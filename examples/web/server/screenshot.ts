/**
 * Screenshots of the web page mid-training, for the README and the docs (examples/assets/web-*.png):
 * serves the built page as `pnpm web` does, runs a section in headless Chromium (test-support's
 * `launchChromium`: `$CHROMIUM`, /usr/bin/chromium or on the PATH) and saves the view while it
 * trains. Node only.
 *
 *   node dist/web/server/screenshot.js [--data DIR] [--out DIR]
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium } from '@tapegrad/test-support/browser';
import { pageDir, startWebServer, type WebServer } from './serve.js';

/** One screenshot: the page's address, the viewport, the card to show and how far its trainings must be. */
interface Shot {
  file: string;
  query: string;
  viewport: { width: number; height: number };
  section: string;
  /** The progress bar's value to wait for (0..1). */
  progress: number;
}

const SHOTS: Shot[] = [
  { file: 'web-deep-nets.png', query: '?only=deep-nets,weight-scale&autorun', viewport: { width: 1280, height: 800 }, section: 'deep-nets', progress: 0.75 },
  { file: 'web-phone.png', query: '?only=weight-scale&quick&autorun', viewport: { width: 390, height: 844 }, section: 'weight-scale', progress: 0.6 },
];

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, out: { type: 'string', default: 'assets' } } });
  const base = process.env['INIT_CWD'] ?? process.cwd();
  const out = path.resolve(base, values.out);
  fs.mkdirSync(out, { recursive: true });
  const browser = await launchChromium();
  let web: WebServer | undefined;
  try {
    web = await startWebServer({ root: pageDir(), dataDir: values.data === undefined ? null : path.resolve(base, values.data), port: 0 });
    for (const shot of SHOTS) {
      const page = await browser.newPage({ viewport: shot.viewport, deviceScaleFactor: 1 });
      await page.goto(`${web.url}${shot.query}`);
      // (page scripts as strings: this file is compiled for Node, without the DOM's types)
      await page.waitForFunction(`(document.querySelector('#${shot.section} progress')?.value ?? 0) >= ${shot.progress}`, null,
        { timeout: 600_000, polling: 200 });
      await page.evaluate(`document.getElementById('${shot.section}').scrollIntoView()`);
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(out, shot.file) });
      process.stdout.write(`screenshot: ${path.join(out, shot.file)}\n`);
      await page.close();
    }
  } finally {
    await browser.close();
    await web?.close();
  }
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
