/**
 * Python's and numpy's text for numbers, so that a section prints what the notebook printed:
 * `repr(float)` (`1.7029241291468676e-09`), `%`-formats (`%.2e` → `1.10e-04`, `%f`), numpy's `str`
 * of a 1-D float array (`[ -2.3814598  -13.18038246   1.91780462]`, numpy ≥ 1.14 defaults:
 * precision 8, floatmode 'maxprec', line width 75), shapes as tuples, and `print(a, b, ...)`.
 * @module
 */

/** Shortest round-trip digits of a finite x ≠ 0, as `{ sign, digits, exp }` with x = ±0.d1d2… × 10^(exp+1). */
function shortest(x: number): { negative: boolean; digits: string; exp: number } {
  const [mantissa = '', e = '0'] = Math.abs(x).toExponential().split('e');
  return { negative: x < 0 || Object.is(x, -0), digits: mantissa.replace('.', ''), exp: Number(e) };
}

/** Pads an exponent to at least `width` digits with its sign: `-9` → `e-09`. */
function expText(exp: number, width = 2): string {
  return `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(width, '0')}`;
}

/**
 * Python's `repr(x)` / `str(x)` of a float: the shortest digits that round-trip, in positional
 * notation when the decimal exponent is in [-4, 16), else as `d.ddde±XX`; `1.0`, `0.0`, `inf`, `nan`.
 */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const { negative, digits, exp } = shortest(x);
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}${expText(exp)}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}

/** Python's `'%.<p>e' % x`: `1.10e-04`. */
export function pyExp(x: number, precision: number): string {
  if (!Number.isFinite(x)) return pyRepr(x);
  const [m = '', e = '0'] = x.toExponential(precision).split('e');
  return `${m}${expText(Number(e))}`;
}

/** Python's `'%.<p>f' % x` (`%f` is precision 6). */
export function pyFixed(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return pyRepr(x);
  return x.toFixed(precision);
}

/** A Python int or float as `print` shows it: integers of an int-typed value as `5`, floats by {@link pyRepr}. */
export type PyValue = string | number | { int: number } | NpArray | readonly number[];

/** A 1-D float array to print numpy's way (numbers given as they are, shown as float64). */
export class NpArray {
  /** @param values - the elements, in order. */
  constructor(readonly values: readonly number[]) {}
  /** numpy's `str(array)`. */
  toString(): string {
    return npArrayStr(this.values);
  }
}

/** Python's `print(*args)` as one line: each argument's `str`, joined by single spaces. */
export function pyPrintLine(...args: PyValue[]): string {
  return args.map(pyStr).join(' ');
}

/** Python's `str` of one print argument: strings as they are, numbers as floats, `{ int }` as ints. */
export function pyStr(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return pyRepr(v);
  if (v instanceof NpArray) return v.toString();
  if (Array.isArray(v)) return `[${(v as readonly number[]).map(pyRepr).join(', ')}]`;
  return String((v as { int: number }).int);
}

/** A shape as a Python tuple: `(49000, 3, 32, 32)`, `(49000,)`. */
export function pyShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// numpy's FloatingFormat (arrayprint.py), floatmode 'maxprec', precision 8, sign '-'.

const PRECISION = 8;
const LINE_WIDTH = 75;

/** Trims trailing zeros of a fraction; `trim '.'` keeps the point (`1.` for `1.000`). */
function trimZeros(s: string): string {
  if (!s.includes('.')) return `${s}.`;
  return s.replace(/0+$/, '');
}

/**
 * dragon4_positional(x, precision, unique=True, fractional=True, trim='.'): the shortest digits
 * that round-trip, cut at `precision` fractional digits (rounding the exact value) when longer.
 */
function positional(x: number, precision: number): string {
  const { digits, exp } = shortest(x);
  const fracDigits = Math.max(0, digits.length - exp - 1);
  if (fracDigits <= precision) return trimZeros(x.toFixed(fracDigits));
  return trimZeros(x.toFixed(precision));
}

/** dragon4_scientific(x, precision, unique=True, trim): mantissa text and exponent. */
function scientific(x: number, precision: number): { mantissa: string; exp: number } {
  const { digits, exp } = shortest(x);
  const use = Math.min(precision, digits.length - 1);
  const [m = '', e = '0'] = x.toExponential(use).split('e');
  return { mantissa: m.includes('.') ? m.replace(/0+$/, '') : `${m}.`, exp: Number(e) };
}

/** Formats every element of a 1-D float array for numpy's `str`, padded to a common width. */
function floatingFormat(values: readonly number[]): (x: number) => string {
  const finite = values.filter(Number.isFinite);
  const nonZero = finite.filter((v) => v !== 0).map(Math.abs);
  let expFormat = false;
  if (nonZero.length > 0) {
    const maxVal = Math.max(...nonZero), minVal = Math.min(...nonZero);
    expFormat = maxVal >= 1e8 || minVal < 0.0001 || maxVal / minVal > 1000;
  }
  const special = (x: number): string => (Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');
  if (finite.length === 0) return (x) => special(x);
  // numpy widens the integer part so that nan / inf / -inf fit the column.
  const infLen = values.some((v) => v === -Infinity) ? 4 : 3;
  const fitSpecial = (padLeft: number, padRight: number): number =>
    finite.length === values.length ? padLeft : Math.max(padLeft, 3 - (padRight + 1), infLen - (padRight + 1));
  if (expFormat) {
    const firsts = finite.map((v) => scientific(v, PRECISION));
    const precision = Math.max(...firsts.map((f) => f.mantissa.split('.')[1]!.length));
    const expSize = Math.max(...firsts.map((f) => String(Math.abs(f.exp)).padStart(2, '0').length));
    const padRight = expSize + 2 + precision;
    const padLeft = fitSpecial(Math.max(...firsts.map((f) => f.mantissa.split('.')[0]!.length)), padRight);
    return (x) => {
      if (!Number.isFinite(x)) return special(x).padStart(padLeft + padRight + 1);
      const { mantissa, exp } = scientific(x, precision);
      const [i = '', f = ''] = mantissa.split('.');
      return `${i.padStart(padLeft)}.${f.padEnd(precision, '0')}${expText(exp, expSize)}`;
    };
  }
  const parts = finite.map((v) => positional(v, PRECISION).split('.'));
  const padRight = Math.max(...parts.map((p) => p[1]!.length));
  const padLeft = fitSpecial(Math.max(...parts.map((p) => p[0]!.length)), padRight);
  return (x) => {
    if (!Number.isFinite(x)) return special(x).padStart(padLeft + padRight + 1);
    const [i = '', f = ''] = positional(x, PRECISION).split('.');
    return `${i.padStart(padLeft)}.${f.padEnd(padRight)}`;
  };
}

/**
 * numpy's `str(a)` of a 1-D float64 array with the default print options: elements padded to a
 * common width, separated by one space, wrapped at 75 columns with a one-space hanging indent.
 */
export function npArrayStr(values: readonly number[]): string {
  if (values.length === 0) return '[]';
  const fmt = floatingFormat(values);
  const indent = ' ';
  const elemWidth = LINE_WIDTH - 1;
  let text = '';
  let line = indent;
  values.forEach((v, i) => {
    const word = fmt(v);
    if (line.length + word.length > elemWidth && line.length > indent.length) {
      text += `${line.trimEnd()}\n`;
      line = indent;
    }
    line += word;
    if (i < values.length - 1) line += ' ';
  });
  text += line;
  return `[${text.slice(indent.length)}]`;
}
