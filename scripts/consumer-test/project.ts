/**
 * The fresh project the consumer test works in: tarballs packed from the workspace with
 * `pnpm pack`, a project in a temp folder outside the workspace that depends on them by path, the
 * README's quickstart as its code, and `npm install` against {@link startLocalRegistry} (no network).
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLocalRegistry, withoutNpmConfig, type LocalRegistry } from './localRegistry.js';

const run = promisify(execFile);

/** The published packages, in dependency order. */
export const PACKAGES = ['core', 'nn', 'optim', 'data'] as const;
export type PackageName = (typeof PACKAGES)[number];

/**
 * The command that runs pnpm in this repository (the README's), taking pnpm from npx's cache when it
 * is there: without a network, plain `npx` retries the registry for a minute first.
 */
export const PNPM = ['npx', '--prefer-offline', '-y', 'pnpm@12.4.2'] as const;

/** Runs a command; resolves with its output, rejects with an Error holding both streams. */
export async function sh(cmd: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(cmd, [...args], { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeout ?? 120_000, maxBuffer: 64 << 20, encoding: 'utf8' });
  } catch (e) {
    const { stdout = '', stderr = '', message } = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) failed: ${message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
  }
}

/** The README's quickstart: the first ```ts block after `## Quickstart`. */
export function readmeQuickstart(root: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /^## Quickstart\n[\s\S]*?^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (m === null) throw new Error('consumer test: README.md has no ```ts block under "## Quickstart"');
  return m[1]!;
}

/**
 * The quickstart printing each loss in full instead of to 4 decimals (`loss.item().toFixed(4)`
 * becomes `loss.item()`), so that Node and the browser can be compared to 1e-6.
 */
export function preciseQuickstart(quickstart: string): string {
  const parts = quickstart.split('loss.item().toFixed(4)');
  if (parts.length !== 2) throw new Error(`consumer test: the quickstart should print \`loss.item().toFixed(4)\` once (found ${parts.length - 1})`);
  return parts.join('loss.item()');
}

/** The browser entry: the precise quickstart, then what the packages do in a browser beyond it. */
const BROWSER_ENTRY = `import './quickstartPrecise';
import { getKernels, tensor } from '@tapegrad/core';
import { decodeSafetensors, encodeSafetensors, load, save } from '@tapegrad/nn';
import { Solver } from '@tapegrad/optim';
import { loadCIFAR10, loadCIFAR10FromFiles } from '@tapegrad/data';

async function main(): Promise<void> {
  const k = getKernels();
  console.log(\`kernels: \${k.name}, threads \${k.threads}, crossOriginIsolated \${globalThis.crossOriginIsolated}\`);
  const sd = { w: tensor([[1, 2]]) };
  console.log(\`bytes round trip: \${JSON.stringify(decodeSafetensors(encodeSafetensors(sd))['w']!.toArray())}\`);
  const fileCalls: [string, () => Promise<unknown>][] = [
    ['save', () => save(sd, 'model.safetensors')],
    ['load', () => load('model.safetensors')],
    ['Solver.latestCheckpoint', () => Solver.latestCheckpoint('run')],
    ['loadCIFAR10', async () => loadCIFAR10('cifar-10-batches-bin')],
    // a batch file cut off in its second record: the bytes reader works here and names the damage
    ['loadCIFAR10FromFiles', () => loadCIFAR10FromFiles([{ name: 'data_batch_1.bin', data: new Uint8Array(3074) }, { name: 'test_batch.bin', data: new Uint8Array(3073) }])],
  ];
  for (const [name, call] of fileCalls) {
    try {
      await call();
      console.log(\`\${name}: no error\`);
    } catch (e) {
      console.log(\`\${name} threw \${(e as Error).name}: \${(e as Error).message}\`);
    }
  }
}
main().then(() => console.log('tapegrad-done'), (e: Error) => console.log(\`tapegrad-failed: \${e.stack ?? e}\`));
`;

/** A page that only asks for the kernels (to see what a CSP does to WebAssembly alone). */
const KERNELS_ENTRY = `import { getKernels } from '@tapegrad/core';
try {
  console.log(\`kernels: \${getKernels().name}\`);
} catch (e) {
  console.log(\`kernels threw \${(e as Error).name}: \${(e as Error).message}\`);
}
console.log('tapegrad-done');
`;

const TSCONFIG_NODE16 = {
  compilerOptions: {
    target: 'ES2022', module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], types: ['node'],
    strict: true, skipLibCheck: false, outDir: 'build', rootDir: '.',
  },
  files: ['quickstart.ts', 'quickstartPrecise.ts'],
};

const TSCONFIG_BUNDLER = {
  compilerOptions: {
    target: 'ES2022', module: 'preserve', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [],
    strict: true, skipLibCheck: false, noEmit: true, noUncheckedIndexedAccess: true,
  },
  files: ['quickstart.ts', 'quickstartPrecise.ts', 'browser.ts', 'kernelsOnly.ts'],
};

/** A page that loads one module script. */
export const page = (script: string) =>
  `<!doctype html>\n<meta charset="utf-8">\n<title>tapegrad consumer</title>\n<link rel="icon" href="data:,">\n<script type="module" src="${script}"></script>\n`;

/** The consumer project, installed. */
export interface ConsumerProject {
  /** The temp folder holding everything. */
  readonly base: string;
  /** The app: package.json, the quickstart files, node_modules. */
  readonly app: string;
  /** The packed tarball of each package. */
  readonly tarballs: Record<PackageName, string>;
  /** The registry npm installed the dependencies from. */
  readonly registry: LocalRegistry;
  /** The README's quickstart as written there. */
  readonly quickstart: string;
  /** What `npm install` printed. */
  readonly installLog: string;
}

/**
 * Packs the packages (their `dist` must be built), writes the app into a new temp folder and
 * installs it with npm from the packed tarballs and the local registry, with an empty npm cache.
 */
export async function createConsumerProject(root: string): Promise<ConsumerProject> {
  const base = mkdtempSync(join(tmpdir(), 'tapegrad-consumer-'));
  const packDir = join(base, 'tarballs');
  mkdirSync(packDir);
  const tarballs = {} as Record<PackageName, string>;
  await Promise.all(PACKAGES.map(async (name) => {
    const { stdout } = await sh(PNPM[0], [...PNPM.slice(1), 'pack', '--pack-destination', packDir], { cwd: join(root, 'packages', name) });
    const file = stdout.trim().split('\n').at(-1)!.trim();
    if (!file.endsWith('.tgz')) throw new Error(`consumer test: pnpm pack of ${name} printed no tarball:\n${stdout}`);
    tarballs[name] = file;
  }));

  const manifests = PACKAGES.map((name) => JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> });
  const registry = await startLocalRegistry([
    ...PACKAGES.map((name, i) => ({ dir: join(root, 'packages', name), dependencies: manifests[i]!.dependencies ?? {} })),
    // the one thing the app itself adds: Node's types, for the node16 type check
    { dir: root, dependencies: { '@types/node': '*' } },
  ], base);

  const app = join(base, 'app');
  mkdirSync(app);
  const typesNode = JSON.parse(readFileSync(join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({
    name: 'tapegrad-consumer',
    private: true,
    type: 'module',
    dependencies: Object.fromEntries(PACKAGES.map((name) => [`@tapegrad/${name}`, `file:${tarballs[name]}`])),
    devDependencies: { '@types/node': typesNode.version },
  }, null, 2)}\n`);
  const quickstart = readmeQuickstart(root);
  writeFileSync(join(app, 'quickstart.ts'), quickstart);
  writeFileSync(join(app, 'quickstartPrecise.ts'), preciseQuickstart(quickstart));
  writeFileSync(join(app, 'browser.ts'), BROWSER_ENTRY);
  writeFileSync(join(app, 'kernelsOnly.ts'), KERNELS_ENTRY);
  writeFileSync(join(app, 'index.html'), page('/browser.ts'));
  writeFileSync(join(app, 'tsconfig.node16.json'), `${JSON.stringify(TSCONFIG_NODE16, null, 2)}\n`);
  writeFileSync(join(app, 'tsconfig.bundler.json'), `${JSON.stringify(TSCONFIG_BUNDLER, null, 2)}\n`);

  const npmrc = join(base, 'npmrc');
  writeFileSync(npmrc, '');
  const { stdout, stderr } = await sh('npm', [
    'install', '--registry', registry.url, '--cache', join(base, 'npm-cache'), '--userconfig', npmrc,
    '--no-audit', '--no-fund', '--no-update-notifier',
  ], { cwd: app, env: withoutNpmConfig(), timeout: 180_000 });
  return { base, app, tarballs, registry, quickstart, installLog: `${stdout}${stderr}` };
}
