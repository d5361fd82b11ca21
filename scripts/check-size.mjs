#!/usr/bin/env node
// The house rule "no hand-written source file over 400 lines", checked: every source file git knows
// (tracked, or new and not ignored) in TypeScript, AssemblyScript, JavaScript, Python or shell,
// except tests (`*.test.*`), `test-utils/` folders, generated files (`*.generated.*`) and build
// output (`dist/`). Prints the largest files, marks those over the limit, and exits 1 when there is
// one. `pnpm run check:size` runs it (a step of `.ci/run`).
//
// Usage: check-size.mjs [--max 400] [--top 12]
//
// A small script rather than a linter: ESLint's `max-lines` cannot parse AssemblyScript
// (packages/core/assembly: decorators on functions) and reads no Python (bench's numpy peers);
// pylint's too-many-lines reads only Python; cloc and scc count lines but enforce no limit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { max: { type: 'string', default: '400' }, top: { type: 'string', default: '12' } } });
const max = Number(values.max), top = Number(values.top);
if (!Number.isInteger(max) || max < 1 || !Number.isInteger(top) || top < 0) {
  console.error(`check-size: --max and --top take whole numbers (got --max ${values.max} --top ${values.top})`);
  process.exit(2);
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|py|sh)$/;
const LEFT_OUT = [/\.test\.[^/]+$/, /(^|\/)test-utils\//, /\.generated\./, /(^|\/)dist\//, /(^|\/)node_modules\//];
const isChecked = (file) => SOURCE.test(file) && !LEFT_OUT.some((re) => re.test(file));

const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' });
const files = [...new Set(listed.split('\0').filter(Boolean))].filter(isChecked);

/** Lines as `wc -l` counts them, plus a last line without its newline. */
function countLines(file) {
  let text;
  try {
    text = readFileSync(`${repo}/${file}`, 'utf8');
  } catch {
    return null; // listed by git but deleted in the working tree
  }
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

const sized = files.map((file) => ({ file, lines: countLines(file) })).filter((f) => f.lines !== null).sort((a, b) => b.lines - a.lines);
const over = sized.filter((f) => f.lines > max);
console.log(`check-size: ${sized.length} hand-written source files, limit ${max} lines (tests, test-utils/, *.generated.* and dist/ left out)`);
console.log(`the largest:`);
for (const f of sized.slice(0, Math.max(top, over.length))) console.log(`${String(f.lines).padStart(6)}  ${f.file}${f.lines > max ? `  OVER by ${f.lines - max}` : ''}`);
if (over.length > 0) {
  console.log(`check-size: ${over.length} file${over.length === 1 ? '' : 's'} over ${max} lines: split ${over.length === 1 ? 'it' : 'them'} (one module, one op per file)`);
  process.exit(1);
}
console.log(`check-size: every file within ${max} lines`);
