/**
 * A package registry on 127.0.0.1 that serves the workspace's own installed copies of the packages'
 * dependencies (ndarray, tar, ... as pnpm put them in node_modules from the lockfile), so that npm
 * installs the tapegrad tarballs into a fresh project the way a user's npm does, resolving every
 * dependency itself, with no network: each dependency is packed again from the folder pnpm
 * installed, and served with a packument (`GET /<name>`) and its tarball (`GET /-/<file>`).
 * @module
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';

/** A package whose dependencies the registry serves. */
export interface Root {
  /** The folder its `node_modules` resolve from (a workspace package, or the workspace root). */
  dir: string;
  /** Names to resolve from `dir`, with the ranges asked for. */
  dependencies: Record<string, string>;
}

/** A running registry. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** `name@version` of every package served. */
  readonly served: string[];
  /** Paths asked for that it did not have (npm asking for anything unexpected shows here). */
  readonly misses: string[];
  close(): Promise<void>;
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

/** The folder Node would load `name` from, starting at `from` (pnpm's layout included), or null. */
function resolvePackageDir(from: string, name: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    }
    if (dirname(dir) === dir) return null;
  }
}

const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/**
 * Every package the roots need, transitively (dependencies, peer dependencies that are not optional,
 * optional dependencies that are installed), as `name@version` → its installed folder.
 * @throws Error naming a dependency that is not installed in the workspace.
 */
export function dependencyClosure(roots: Root[]): Map<string, string> {
  const found = new Map<string, string>();
  const queue: { from: string; name: string; optional: boolean; by: string }[] = [];
  for (const root of roots) for (const name of Object.keys(root.dependencies)) queue.push({ from: root.dir, name, optional: false, by: root.dir });
  while (queue.length > 0) {
    const { from, name, optional, by } = queue.shift()!;
    if (name.startsWith('@tapegrad/')) continue; // installed from the packed tarballs
    const dir = resolvePackageDir(from, name);
    if (dir === null) {
      if (optional) continue;
      throw new Error(`localRegistry: ${name} (needed by ${by}) is not installed in the workspace; run pnpm install`);
    }
    const manifest = readManifest(dir);
    const key = `${manifest.name}@${manifest.version}`;
    if (found.has(key)) continue;
    found.set(key, dir);
    for (const dep of Object.keys(manifest.dependencies ?? {})) queue.push({ from: dir, name: dep, optional: false, by: key });
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) queue.push({ from: dir, name: dep, optional: true, by: key });
    for (const dep of Object.keys(manifest.peerDependencies ?? {})) {
      queue.push({ from: dir, name: dep, optional: manifest.peerDependenciesMeta?.[dep]?.optional === true, by: key });
    }
  }
  return found;
}

/**
 * Repacks the closure of `roots` into `workDir` and serves it on 127.0.0.1 (a free port).
 * Optional dependencies that are not installed here are left out of the manifests served.
 */
export async function startLocalRegistry(roots: Root[], workDir: string): Promise<LocalRegistry> {
  const closure = dependencyClosure(roots);
  const tarballs = join(workDir, 'registry');
  mkdirSync(tarballs, { recursive: true });
  // Each installed folder as a package tarball (`package/...`), as npm pack would make it. (npm pack
  // itself fails silently on some folders inside pnpm's node_modules, tar's own among them.)
  const packed = [...closure].map(([key, dir]) => {
    const { name, version } = readManifest(dir);
    const file = `${name.replace('@', '').replace('/', '-')}-${version}.tgz`;
    execFileSync('tar', ['-czf', join(tarballs, file), '--hard-dereference', '--owner=0', '--group=0', '--numeric-owner', '--transform', 's,^\\.,package,', '-C', dir, '.']);
    const bytes = readFileSync(join(tarballs, file));
    const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
    return { key, name, version, filename: file, integrity, shasum: createHash('sha1').update(bytes).digest('hex') };
  });

  const documents = new Map<string, { name: string; 'dist-tags': { latest: string }; versions: Record<string, Manifest> }>();
  const files = new Map<string, string>();
  let url = '';
  for (const p of packed) {
    const manifest = readManifest(closure.get(p.key)!);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) {
      if (![...closure.keys()].some((k) => k.startsWith(`${dep}@`))) {
        delete manifest.optionalDependencies![dep];
        delete manifest.dependencies?.[dep];
      }
    }
    const file = basename(p.filename);
    files.set(file, join(tarballs, file));
    const doc = documents.get(p.name) ?? { name: p.name, 'dist-tags': { latest: p.version }, versions: {} };
    doc.versions[p.version] = { ...manifest, _id: `${p.name}@${p.version}`, dist: { tarball: `/-/${file}`, integrity: p.integrity, shasum: p.shasum } };
    documents.set(p.name, doc);
  }
  const misses: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.startsWith('/-/') && files.has(path.slice(3))) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(readFileSync(files.get(path.slice(3))!));
      return;
    }
    const doc = documents.get(path.slice(1));
    if (doc === undefined) {
      misses.push(path);
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    // tarball addresses are absolute in a packument: this server's own
    const versions = Object.fromEntries(Object.entries(doc.versions).map(([v, m]) => [v, { ...m, dist: { ...(m['dist'] as object), tarball: `${url}${(m['dist'] as { tarball: string }).tarball.slice(1)}` } }]));
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ...doc, versions }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    served: [...closure.keys()].sort(),
    misses,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** This process's environment without the `npm_*` settings a package manager's `run` passes down. */
export function withoutNpmConfig(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return { ...env, ...extra };
}
