/**
 * The bench scripts' command lines, parsed one way: `--name value` (or `--name=value`) options,
 * on/off flags and positional arguments, each script naming those it knows. A misspelt option, an
 * option without its value or a number that is not one stops the script with a message and its
 * usage line (exit code 2) instead of being ignored: a benchmark that silently ran with a default it
 * was not asked for costs minutes and misleads.
 * @module
 */

/** What a script accepts. `D` maps each option that takes a value to its default (undefined: none). */
export interface CliSpec<D extends Record<string, string | undefined>, F extends string> {
  /** The script's name, the first word of its messages, e.g. `'training'`. */
  script: string;
  /** The usage line shown under an error. */
  usage: string;
  /** The options that take a value, by name without `--`, with their defaults. */
  values: D;
  /** The options that take no value (default none). */
  flags?: readonly F[];
  /** The positional arguments' names: `required` ones first, then up to `optional.length` more (default none). */
  positionals?: { required?: readonly string[]; optional?: readonly string[] };
}

/** A parsed command line. */
export interface CliArgs<D extends Record<string, string | undefined>, F extends string> {
  /** Each value option as given, else its default. */
  values: { [K in keyof D]: D[K] extends string ? string : string | undefined };
  /** Each flag: whether it was given. */
  flags: Record<F, boolean>;
  /** The positional arguments, in order. */
  positionals: string[];
  /** The value of option `name` as a finite number (rejected, as a parse error is, when it is not one). */
  number(name: keyof D & string): number;
}

/** A command line the script does not accept; the message reads `<script>: <expected> (got <what came>)`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses `argv` by `spec`.
 * @throws UsageError for an unknown option, an option given twice, a value option without its value
 *   (at the end, or followed by another `--option`), a flag given a value, too few or too many
 *   positional arguments, and (from `number`) a value that is not a finite number.
 */
export function parseCli<const D extends Record<string, string | undefined>, const F extends string = never>(
  spec: CliSpec<D, F>, argv: readonly string[],
): CliArgs<D, F> {
  const fail = (expected: string, got: string): never => {
    throw new UsageError(`${spec.script}: ${expected} (got ${got})`);
  };
  const valueNames = Object.keys(spec.values);
  const flagNames: readonly string[] = spec.flags ?? [];
  const known = [...valueNames, ...flagNames].map((n) => `--${n}`).join(', ') || 'none';
  const given = new Map<string, string>();
  const flags = Object.fromEntries(flagNames.map((f) => [f, false])) as Record<F, boolean>;
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (given.has(name) || (flags as Record<string, boolean>)[name] === true) fail(`--${name} at most once`, 'it twice');
    if (flagNames.includes(name)) {
      if (eq >= 0) fail(`--${name} without a value (it is a flag)`, arg);
      (flags as Record<string, boolean>)[name] = true;
    } else if (valueNames.includes(name)) {
      let value = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1];
      if (eq < 0) {
        if (value === undefined || value.startsWith('--')) fail(`a value after --${name}`, value ?? 'nothing');
        i++;
      }
      given.set(name, value!);
    } else {
      fail(`an option of ${known}`, arg);
    }
  }
  const required = spec.positionals?.required ?? [];
  const optional = spec.positionals?.optional ?? [];
  const missing = required.slice(positionals.length);
  if (missing.length > 0) fail(`the argument${missing.length === 1 ? '' : 's'} ${missing.join(' ')}`, 'nothing');
  if (positionals.length > required.length + optional.length) {
    const names = [...required, ...optional];
    fail(names.length === 0 ? 'no arguments but options' : `at most ${names.length} argument${names.length === 1 ? '' : 's'}, ${names.join(' ')}`, positionals.join(' '));
  }
  const values = Object.fromEntries(valueNames.map((n) => [n, given.get(n) ?? spec.values[n]])) as CliArgs<D, F>['values'];
  return {
    values,
    flags,
    positionals,
    number(name) {
      const text = (values as Record<string, string | undefined>)[name];
      const n = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
      return Number.isFinite(n) ? n : fail(`--${name} as a number`, text ?? 'nothing');
    },
  };
}

/**
 * {@link parseCli} on this process's arguments; a {@link UsageError} (from parsing, or later from
 * `number`) is printed with the usage line and ends the process with exit code 2.
 */
export function cliArgs<const D extends Record<string, string | undefined>, const F extends string = never>(
  spec: CliSpec<D, F>, argv: readonly string[] = process.argv.slice(2),
): CliArgs<D, F> {
  const exitOnUsageError = <T>(run: () => T): T => {
    try {
      return run();
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      console.error(`${e.message}\nusage: ${spec.usage}`);
      process.exit(2);
    }
  };
  const args = exitOnUsageError(() => parseCli(spec, argv));
  return { ...args, number: (name) => exitOnUsageError(() => args.number(name)) };
}
