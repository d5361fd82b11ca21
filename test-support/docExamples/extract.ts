/**
 * Finding the code the docs show: the ```ts blocks of the doc comments in `packages/* /src` (the
 * `@example`s, by the symbol they document) and of the markdown pages typedoc renders (the guides,
 * the README files), and turning each into a module the test can import.
 * @module
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { parseExpectation, type Expected } from './expectations.js';

/** One block of code the docs show. */
export interface DocExample {
  /** The file it is in, relative to the repository root, with `/` separators. */
  source: string;
  /** The line (1-based) of the source file where the code starts. */
  line: number;
  /** What it documents: `tensor`, `Tensor.backward`, `(module)`, or for a markdown page its nearest heading. */
  symbol: string;
  /** 1-based position among the blocks of the same symbol (same page, for markdown). */
  index: number;
  /** The code, with the comment's ` * ` prefixes removed. */
  code: string;
  /** The reason given by a first line `// not run: <reason>`, or null when the block runs. */
  notRun: string | null;
  /** Set when the docs are wrong without running anything (an `@example` with no ```ts block). */
  problem?: string;
}

/** Fence languages whose blocks run. */
const RUN_LANGS = new Set(['ts', 'typescript']);

/** `// not run: <reason>` as the first non-blank line of a block. */
const NOT_RUN = /^\s*\/\/\s*not run:\s*(.*\S)\s*$/i;

function notRunReason(code: string): string | null {
  const first = code.split('\n').find((l) => l.trim() !== '');
  const m = first === undefined ? null : NOT_RUN.exec(first);
  return m ? m[1]! : null;
}

/** `packages/<pkg>/src/**.ts` files that are not tests, test helpers or declarations. */
export function packageSourceFiles(root: string): string[] {
  const packages = join(root, 'packages');
  const files: string[] = [];
  for (const pkg of readdirSync(packages).sort()) {
    const src = join(packages, pkg, 'src');
    if (!existsSync(src)) continue;
    for (const f of (readdirSync(src, { recursive: true }) as string[]).sort()) {
      const parts = f.split(sep);
      if (!f.endsWith('.ts') || f.endsWith('.d.ts') || f.endsWith('.test.ts') || parts.includes('test-utils')) continue;
      files.push(join(src, f));
    }
  }
  return files;
}

/** The markdown pages typedoc renders: the README files and the guides. */
export function markdownFiles(root: string): string[] {
  const files = [join(root, 'README.md')];
  const packages = join(root, 'packages');
  for (const pkg of readdirSync(packages).sort()) files.push(join(packages, pkg, 'README.md'));
  const guides = join(root, 'guides');
  if (existsSync(guides)) {
    for (const f of (readdirSync(guides, { recursive: true }) as string[]).sort()) if (f.endsWith('.md')) files.push(join(guides, f));
  }
  return files.filter((f) => existsSync(f));
}

/** Every block of every doc comment and markdown page under `root`. */
export function collectExamples(root: string): DocExample[] {
  const rel = (f: string) => relative(root, f).split(sep).join('/');
  return [
    ...packageSourceFiles(root).flatMap((f) => examplesFromSource(rel(f), readFileSync(f, 'utf8'))),
    ...markdownFiles(root).flatMap((f) => examplesFromMarkdown(rel(f), readFileSync(f, 'utf8'))),
  ];
}

/** The name of what a doc comment is attached to. */
function symbolName(node: ts.Node): string {
  const nameOf = (n: ts.Node): string | undefined => {
    const name = (n as { name?: ts.Node }).name;
    if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name))) return name.text;
    if (ts.isConstructorDeclaration(n)) return 'constructor';
    if (ts.isVariableStatement(n)) return n.declarationList.declarations.map((d) => d.name.getText()).join(', ');
    return undefined;
  };
  const own = nameOf(node) ?? ts.SyntaxKind[node.kind];
  const parent = node.parent;
  if (parent && (ts.isClassLike(parent) || ts.isInterfaceDeclaration(parent)) && parent.name) return `${parent.name.text}.${own}`;
  return own;
}

interface Fenced {
  lang: string;
  code: string;
  /** 0-based index of the first code line in the list of lines given. */
  start: number;
}

/**
 * The fenced blocks in `lines`. `indentOf` tells how much indentation a fence may have; the
 * code lines lose the fence's indentation.
 */
function fencedBlocks(lines: readonly string[]): Fenced[] {
  const out: Fenced[] = [];
  let open: { lang: string; indent: number; fence: string; start: number } | null = null;
  lines.forEach((line, i) => {
    const m = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (open === null) {
      if (m) open = { lang: m[3]!.toLowerCase(), indent: m[1]!.length, fence: m[2]!, start: i + 1 };
      return;
    }
    if (m && m[2]!.startsWith(open.fence) && line.trim() === m[2]) {
      const body = lines.slice(open.start, i).map((l) => l.slice(Math.min(open!.indent, l.length - l.trimStart().length)));
      out.push({ lang: open.lang, code: body.join('\n'), start: open.start });
      open = null;
    }
  });
  return out;
}

/**
 * The ```ts blocks of the doc comments of one source file, each named by the declaration its
 * comment documents (a file's `@module` / `@packageDocumentation` comment is `(module)`).
 */
export function examplesFromSource(source: string, text: string): DocExample[] {
  const sf = ts.createSourceFile(source, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: { pos: number; symbol: string; doc: ts.JSDoc }[] = [];
  const seen = new Set<number>();
  const visit = (node: ts.Node): void => {
    const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
    for (const doc of docs) {
      if (seen.has(doc.pos)) continue;
      seen.add(doc.pos);
      const raw = text.slice(doc.pos, doc.end);
      const isModule = /@module\b|@packageDocumentation\b/.test(raw);
      found.push({ pos: doc.pos, symbol: isModule ? '(module)' : symbolName(node), doc });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  found.sort((a, b) => a.pos - b.pos);

  const counts = new Map<string, number>();
  const out: DocExample[] = [];
  for (const { doc, symbol } of found) {
    const firstLine = sf.getLineAndCharacterOfPosition(doc.getStart(sf)).line;
    for (const tag of doc.tags ?? []) {
      if (tag.tagName.text !== 'example' || /```(ts|typescript)\b/.test(text.slice(tag.pos, tag.end))) continue;
      const index = (counts.get(symbol) ?? 0) + 1;
      counts.set(symbol, index);
      const line = sf.getLineAndCharacterOfPosition(tag.getStart(sf)).line + 1;
      out.push({ source, line, symbol, index, code: '', notRun: null, problem: 'this @example has no ```ts block, so nothing of it runs' });
    }
    const lines = text
      .slice(doc.getStart(sf), doc.end)
      .replace(/^\/\*\*/, '')
      .replace(/\*\/$/, '')
      .split('\n')
      .map((l) => l.replace(/^\s*\*(?!\/) ?/, ''));
    for (const block of fencedBlocks(lines)) {
      if (!RUN_LANGS.has(block.lang)) continue;
      const index = (counts.get(symbol) ?? 0) + 1;
      counts.set(symbol, index);
      out.push({ source, line: firstLine + block.start + 1, symbol, index, code: block.code, notRun: notRunReason(block.code) });
    }
  }
  return out;
}

/** The ```ts blocks of a markdown page, each named by the nearest heading above it. */
export function examplesFromMarkdown(source: string, text: string): DocExample[] {
  const lines = text.split('\n');
  const headings: { line: number; title: string }[] = [];
  let inFence = false;
  lines.forEach((l, i) => {
    if (/^\s*(```|~~~)/.test(l)) inFence = !inFence;
    const m = inFence ? null : /^#{1,6}\s+(.*\S)\s*$/.exec(l);
    if (m) headings.push({ line: i, title: m[1]!.replace(/`/g, '') });
  });
  const counts = new Map<string, number>();
  const out: DocExample[] = [];
  for (const block of fencedBlocks(lines)) {
    if (!RUN_LANGS.has(block.lang)) continue;
    const heading = [...headings].reverse().find((h) => h.line < block.start)?.title ?? '(top)';
    const index = (counts.get(heading) ?? 0) + 1;
    counts.set(heading, index);
    out.push({ source, line: block.start + 1, symbol: heading, index, code: block.code, notRun: notRunReason(block.code) });
  }
  return out;
}

/** One line of an example whose trailing comment states what its `console.log` prints. */
export interface PrintCheck {
  /** 1-based line in the example. */
  line: number;
  /** The comment's text. */
  comment: string;
  /** The stated values, one per argument. */
  expected: Expected[];
}

/** An example made ready to import. */
export interface Instrumented {
  /** The module's text: the example with each `console.log` replaced by `__docLog(<line>)`. */
  module: string;
  /** Lines before the example's first line in `module`. */
  prologueLines: number;
  /** The checked comments. */
  checks: PrintCheck[];
  /** Problems found without running: a checked comment on a line that prints nothing. */
  problems: string[];
}

/**
 * Rewrites an example into a module: its prints are captured by line (`runtime.ts`), relative
 * imports (`./gemmPack.js` in an example of an internal helper) are made relative to the
 * generated module, and the trailing comments that state values are collected for the test to
 * compare.
 * @param code - the example.
 * @param runtimeSpecifier - how the module imports `runtime.ts`.
 * @param relocate - the specifier to use for a relative one (`./x.js`) written in the example.
 */
export function instrument(code: string, runtimeSpecifier: string, relocate: (specifier: string) => string = (s) => s): Instrumented {
  const sf = ts.createSourceFile('example.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const edits: { start: number; end: number; text: string }[] = [];
  const logLines = new Set<number>();
  const comments = new Map<number, string>();
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'console' &&
      node.expression.name.text === 'log'
    ) {
      const line = lineOf(node.end);
      logLines.add(line);
      edits.push({ start: node.expression.getStart(sf), end: node.expression.end, text: `__docLog(${line})` });
    }
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) ? node.moduleSpecifier
      : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword ? node.arguments[0]
      : undefined;
    if (specifier && ts.isStringLiteral(specifier) && /^\.\.?\//.test(specifier.text)) {
      edits.push({ start: specifier.getStart(sf), end: specifier.end, text: JSON.stringify(relocate(specifier.text)) });
    }
    for (const range of ts.getTrailingCommentRanges(code, node.end) ?? []) {
      if (range.kind === ts.SyntaxKind.SingleLineCommentTrivia) comments.set(lineOf(range.pos), code.slice(range.pos + 2, range.end));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let body = code;
  for (const e of edits.sort((a, b) => b.start - a.start)) body = body.slice(0, e.start) + e.text + body.slice(e.end);

  const checks: PrintCheck[] = [];
  const problems: string[] = [];
  for (const [line, comment] of [...comments].sort((a, b) => a[0] - b[0])) {
    const expected = parseExpectation(comment);
    if (expected === null) continue;
    if (!logLines.has(line)) {
      problems.push(`line ${line}: the comment \`//${comment}\` states a value, but no console.log ends on this line`);
      continue;
    }
    checks.push({ line, comment: comment.trim(), expected });
  }
  const prologue = `import { __docConsole as console, __docLog } from '${runtimeSpecifier}';`;
  return { module: `${prologue}\n${body}\nexport {};\n`, prologueLines: 1, checks, problems };
}
