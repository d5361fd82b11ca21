/**
 * Type-checks the generated example modules with the repository's own compiler options
 * (`tsconfig.check.json`: strict, noUncheckedIndexedAccess, `@tapegrad/*` mapped to the sources),
 * so that an example a user copies compiles as well as runs.
 * @module
 */
import { join } from 'node:path';
import ts from 'typescript';

/** One diagnostic of a checked file. */
export interface TypeProblem {
  /** 1-based line in the file. */
  line: number;
  message: string;
}

/**
 * The diagnostics of each of `files` (absolute paths), keyed by path; files without problems map
 * to an empty list.
 */
export function typecheck(root: string, files: readonly string[]): Map<string, TypeProblem[]> {
  const configPath = join(root, 'tsconfig.check.json');
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    tsBuildInfoFile: undefined,
  };
  const program = ts.createProgram({ rootNames: [...files], options });
  const result = new Map<string, TypeProblem[]>();
  for (const file of files) {
    const sf = program.getSourceFile(file);
    if (sf === undefined) {
      result.set(file, [{ line: 0, message: 'the compiler did not load this file' }]);
      continue;
    }
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    result.set(
      file,
      diagnostics.map((d) => ({
        line: d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line + 1,
        message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      })),
    );
  }
  return result;
}
