/**
 * What a packed tarball must and must not hold: the build, the sources its source maps and
 * declaration maps point to, README and LICENSE; no TypeScript build cache, no tests.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';

/** Every file under `dir`, as `/`-separated paths relative to it. */
function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split('\\').join('/'))
    .sort();
}

/** The problems of the tarball at `tgz`, one sentence each; empty when there are none. */
export function tarballProblems(tgz: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tapegrad-tarball-'));
  try {
    execFileSync('tar', ['-xzf', tgz, '-C', dir]);
    const pkg = join(dir, 'package');
    const files = listFiles(pkg);
    const has = new Set(files);
    const problems: string[] = [];
    for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
      if (!has.has(required)) problems.push(`${required} is missing`);
    }
    if (has.has('LICENSE') && !/MIT License[\s\S]*Copyright \(c\) 2026 the tapegrad authors/.test(readFileSync(join(pkg, 'LICENSE'), 'utf8'))) {
      problems.push('LICENSE is not the MIT licence of the tapegrad authors');
    }
    for (const f of files) {
      if (f.endsWith('.tsbuildinfo')) problems.push(`${f}: a TypeScript build cache`);
      if (/\.test\.[cm]?[jt]s$|(^|\/)test-utils\//.test(f)) problems.push(`${f}: a test file`);
      if (f.endsWith('.d.ts') && statSync(join(pkg, f)).size > 100_000) problems.push(`${f}: a declaration file of ${statSync(join(pkg, f)).size} bytes`);
      if (f.endsWith('.map')) {
        const map = JSON.parse(readFileSync(join(pkg, f), 'utf8')) as { sources?: string[]; sourceRoot?: string };
        for (const source of map.sources ?? []) {
          const target = posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? '', source));
          if (!has.has(target)) problems.push(`${f} points to ${source}, which is not in the tarball`);
        }
      }
      if (/\.(js|d\.ts)$/.test(f)) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(pkg, f), 'utf8'))?.[1];
        if (url !== undefined && !url.startsWith('data:') && !existsSync(join(dirname(join(pkg, f)), url))) {
          problems.push(`${f} names the source map ${url}, which is not in the tarball`);
        }
      }
    }
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
