/**
 * The packages as a user gets them: packed with `pnpm pack`, installed with npm into a fresh project
 * outside the workspace (dependencies from a registry on 127.0.0.1 serving the workspace's own
 * copies, so no network), and used the way the README says: the quickstart type-checks under
 * `moduleResolution` node16 and bundler, runs on Node, `require()`s, bundles for the browser with
 * esbuild and Vite without any configuration, and runs in Chromium with and without cross-origin
 * isolation, printing the same losses as Node. publint and arethetypeswrong check each tarball.
 *
 * Run: `npx -y pnpm@12.4.2 run test:consumer` (builds first). `.ci/run` runs it after the suite.
 * @module
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, recordConsole, serveDirectory, skipBrowserTests, type PageLog } from '@tapegrad/test-support/browser';
import { createConsumerProject, page, sh, PACKAGES, type ConsumerProject } from './project.js';
import { tarballProblems } from './tarball.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = (pkg: string, file: string) => join(root, 'node_modules', pkg, file);
/** Node for the app: the kernels chosen as a user's would be, whatever this process was given. */
const appEnv = () => {
  const env = { ...process.env };
  delete env['TAPEGRAD_KERNELS'];
  delete env['TAPEGRAD_THREADS'];
  return env;
};

let project: ConsumerProject;
let browser: Browser | undefined;

beforeAll(async () => {
  await sh(process.execPath, [join(root, 'packages/core/scripts/buildWasm.mjs')], { cwd: root });
  await sh(process.execPath, [bin('typescript', 'bin/tsc'), '-b'], { cwd: root, timeout: 300_000 });
  project = await createConsumerProject(root);
  console.log(`consumer test: project in ${project.app}; npm installed ${project.registry.served.length} dependencies from the local registry: ${project.registry.served.join(', ')}`);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await project?.registry.close();
  if (project && process.env['KEEP_CONSUMER'] !== '1') rmSync(project.base, { recursive: true, force: true });
});

/** `step N: loss X` lines as numbers by step. */
function losses(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of text.matchAll(/^step (\d+): loss (\S+)$/gm)) out.set(Number(m[1]), Number(m[2]));
  return out;
}

const nodeRuns: { verbatim: string; precise: string } = { verbatim: '', precise: '' };

describe('the tarballs', () => {
  // publint and arethetypeswrong run side by side, one process per package, while the tests wait
  const lint = new Map<string, Promise<{ stdout: string }>>();
  beforeAll(() => {
    for (const name of PACKAGES) {
      lint.set(`publint ${name}`, sh(process.execPath, [bin('publint', 'src/cli.js'), 'run', project.tarballs[name], '--strict'], { cwd: project.base }));
      // The packages are ES modules only. TypeScript's node16 model (attw runs TypeScript 5.6) says a
      // CommonJS file can only import() them; Node 20.19+ and 22.12+ require() them (tested below),
      // which TypeScript models from 5.8 on under module node20 / nodenext. Every other rule applies.
      lint.set(`attw ${name}`, sh(process.execPath, [
        bin('@arethetypeswrong/cli', 'dist/index.js'), project.tarballs[name], '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'table-flipped', '--no-color',
      ], { cwd: project.base }));
    }
    for (const p of lint.values()) p.catch(() => undefined); // awaited by the tests
  });

  test('npm installed them with nothing fetched from outside the local registry', () => {
    expect(project.registry.misses).toEqual([]);
    expect(project.registry.served.some((p) => p.startsWith('ndarray@'))).toBe(true);
  });

  for (const name of PACKAGES) {
    test(`@tapegrad/${name} ships dist, the sources its maps name, README and LICENSE; no build cache, no tests`, () => {
      expect(tarballProblems(project.tarballs[name])).toEqual([]);
    });

    test(`@tapegrad/${name} passes publint --strict`, async () => {
      const { stdout } = await lint.get(`publint ${name}`)!;
      expect(stdout).toContain('All good!');
    });

    test(`@tapegrad/${name} passes arethetypeswrong (ESM-only: cjs-resolves-to-esm ignored)`, async () => {
      const { stdout } = await lint.get(`attw ${name}`)!;
      console.log(`consumer test: attw @tapegrad/${name}:\n${stdout}`);
      expect(stdout).toMatch(/No problems found/);
    });
  }
});

describe('the README quickstart, type-checked', () => {
  for (const resolution of ['node16', 'bundler'] as const) {
    test(`under moduleResolution ${resolution} (strict, skipLibCheck false)`, async () => {
      await sh(process.execPath, [bin('typescript', 'bin/tsc'), '-p', `tsconfig.${resolution}.json`], { cwd: project.app });
    });
  }
});

describe('on Node', () => {
  test('runs the README quickstart (compiled by tsc, node16)', async () => {
    const { stdout } = await sh(process.execPath, ['build/quickstart.js'], { cwd: project.app, env: appEnv() });
    nodeRuns.verbatim = stdout;
    console.log(`consumer test: the README quickstart on Node ${process.version}:\n${stdout}`);
    expect([...losses(stdout).keys()]).toEqual([0, 25, 50, 75, 100]);
    expect(losses(stdout).get(100)!).toBeLessThan(losses(stdout).get(0)!);
    expect(stdout).toMatch(/rel error\s+max \|diff\|[\s\S]*backward ms/); // compareGradients' table
  });

  test('prints the same losses at full precision (the browser runs are compared with these)', async () => {
    const { stdout } = await sh(process.execPath, ['build/quickstartPrecise.js'], { cwd: project.app, env: appEnv() });
    nodeRuns.precise = stdout;
    const precise = losses(stdout);
    console.log(`consumer test: the losses at full precision on Node: ${JSON.stringify([...precise])}`);
    expect([...losses(nodeRuns.verbatim)]).toEqual([...precise].map(([step, loss]) => [step, Number(loss.toFixed(4))]));
  });

  test(`require() loads each package (Node ${process.version}, no flag)`, async () => {
    const script = `for (const name of ${JSON.stringify(PACKAGES.map((p) => `@tapegrad/${p}`))}) {
  const m = require(name);
  console.log(name, typeof m, Object.keys(m).length, 'exports');
}
const { tensor } = require('@tapegrad/core');
console.log('sum', tensor([1, 2, 3]).sum().item());`;
    writeFileSync(join(project.app, 'require.cjs'), script);
    const { stdout, stderr } = await sh(process.execPath, ['require.cjs'], { cwd: project.app, env: appEnv() });
    console.log(`consumer test: require():\n${stdout}${stderr}`);
    expect(stdout).toContain('sum 6');
    for (const p of PACKAGES) expect(stdout).toMatch(new RegExp(`@tapegrad/${p} object [1-9]\\d* exports`));
  });
});

describe('bundled for the browser, no configuration', () => {
  test('esbuild --bundle --platform=browser: no error, no warning', async () => {
    const esbuild = await import('esbuild');
    for (const [entry, outdir] of [['browser.ts', 'esbuild-out'], ['kernelsOnly.ts', 'kernels-out']] as const) {
      mkdirSync(join(project.app, outdir), { recursive: true });
      // what test-support/browser.ts's bundleForBrowser does, keeping the warnings to check them
      const result = await esbuild.build({
        entryPoints: [join(project.app, entry)], bundle: true, platform: 'browser', format: 'esm',
        outfile: join(project.app, outdir, 'bundle.js'), logLevel: 'silent',
      });
      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([]);
      writeFileSync(join(project.app, outdir, 'index.html'), page('./bundle.js'));
    }
  });

  test('vite build (no vite.config): no warning', async () => {
    const { stdout, stderr } = await sh(process.execPath, [bin('vite', 'bin/vite.js'), 'build', '--outDir', 'vite-out'], { cwd: project.app, env: appEnv() });
    console.log(`consumer test: vite build:\n${stdout}${stderr}`);
    expect(`${stdout}${stderr}`).not.toMatch(/warn|externalized|error/i);
    expect(readFileSync(join(project.app, 'vite-out', 'index.html'), 'utf8')).toMatch(/<script type="module"[^>]*src="\/assets\/[^"]+\.js"/);
  });
});

/** Loads `dir` in Chromium and waits for the entry to finish; returns what the page printed. */
async function runInChromium(dir: string, headers: { isolated: boolean; csp?: string }): Promise<PageLog> {
  browser ??= await launchChromium();
  const server = await serveDirectory(dir, { isolated: headers.isolated, headers: headers.csp === undefined ? {} : { 'Content-Security-Policy': headers.csp } });
  const tab = await browser.newPage();
  try {
    const log = recordConsole(tab);
    await tab.goto(server.url);
    const deadline = Date.now() + 60_000;
    while (!log.messages.some((m) => /tapegrad-(done|failed)/.test(m)) && log.errors.length === 0 && Date.now() < deadline) await tab.waitForTimeout(100);
    return log;
  } finally {
    await tab.close();
    await server.close();
  }
}

// without Chromium these skip with vitest's note, unless TAPEGRAD_REQUIRE_BROWSER=1 (CI) makes that a failure
describe.skipIf(skipBrowserTests)('in Chromium', () => {
  for (const bundler of ['esbuild', 'vite'] as const) {
    for (const isolated of [false, true]) {
      test(`the ${bundler} bundle, ${isolated ? 'cross-origin isolated (COOP/COEP)' : 'not isolated'}: the same losses as Node to 1e-6; file functions name the byte-level ones`, async () => {
        const log = await runInChromium(join(project.app, `${bundler}-out`), { isolated });
        const text = log.messages.map((m) => m.replace(/^log: /, '')).join('\n');
        console.log(`consumer test: Chromium, ${bundler}, ${isolated ? 'isolated' : 'not isolated'}:\n${text}\n${log.errors.join('\n')}`);
        expect(log.errors).toEqual([]);
        expect(text).toContain('tapegrad-done');
        expect(text).toContain(`crossOriginIsolated ${isolated}`);
        const node = losses(nodeRuns.precise);
        const here = losses(text);
        expect([...here.keys()]).toEqual([...node.keys()]);
        expect([...here.values()], 'losses by step').toBeAllclose([...node.values()], { rtol: 0, atol: 1e-6 });
        expect(text).toContain('bytes round trip: [[1,2]]');
        expect(text).toMatch(/^save threw SafetensorsError: save: model\.safetensors: Node\.js 20\.16 or later.*encodeSafetensors/m);
        expect(text).toMatch(/^load threw SafetensorsError: load: model\.safetensors: Node\.js 20\.16 or later.*decodeSafetensors/m);
        expect(text).toMatch(/^Solver\.latestCheckpoint threw CheckpointError: .*solver\.checkpointBytes\(\).*Solver\.resumeFromBytes/m);
        expect(text).toMatch(/^loadCIFAR10 threw PlatformError: loadCIFAR10: Node\.js 20\.16 or later.*loadCIFAR10FromFiles/m);
        expect(text).toMatch(/^loadCIFAR10FromFiles threw DataError: .*data_batch_1\.bin/m);
      });
    }
  }
});

describe.skipIf(skipBrowserTests)('in Chromium under a Content-Security-Policy (the README\'s claims)', () => {
  const csp = async (dir: string, policy: string) => {
    const log = await runInChromium(join(project.app, dir), { isolated: false, csp: policy });
    const text = [...log.messages.map((m) => m.replace(/^log: /, '')), ...log.errors].join('\n');
    console.log(`consumer test: ${dir} under ${policy}:\n${text}`);
    return text;
  };

  test("script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval': the quickstart runs on the WebAssembly kernels, the same losses", async () => {
    const text = await csp('esbuild-out', "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'");
    expect(text).toContain('tapegrad-done');
    expect(text).toContain('kernels: wasm');
    const node = losses(nodeRuns.precise);
    const here = losses(text);
    expect([...here.keys()]).toEqual([...node.keys()]);
    expect([...here.values()], 'losses by step').toBeAllclose([...node.values()], { rtol: 0, atol: 1e-6 });
  });

  test("script-src 'self' 'wasm-unsafe-eval' (no 'unsafe-eval'): ndarray's new Function is refused", async () => {
    const text = await csp('esbuild-out', "script-src 'self' 'wasm-unsafe-eval'");
    expect(text).not.toContain('tapegrad-done');
    expect(text).toMatch(/Evaluating a string as JavaScript violates .*'unsafe-eval' is not an allowed source of script/);
  });

  test("WebAssembly alone: refused under script-src 'self', compiled with 'wasm-unsafe-eval' or 'unsafe-eval'", async () => {
    // without 'wasm-unsafe-eval' nothing compiles: 'auto' falls back to the TypeScript kernels and says why once
    const refused = await csp('kernels-out', "script-src 'self'");
    expect(refused).toContain('kernels: js');
    expect(refused).toMatch(/tapegrad: using the TypeScript kernels/);
    expect(await csp('kernels-out', "script-src 'self' 'wasm-unsafe-eval'")).toContain('kernels: wasm');
    expect(await csp('kernels-out', "script-src 'self' 'unsafe-eval'")).toContain('kernels: wasm');
  });
});
