/**
 * The printed-value comments of doc examples: `console.log(x.shape, x.dtype); // [2, 3] 'float64'`.
 *
 * A trailing `//` comment is checked when all of it reads as JavaScript literals separated by
 * spaces: numbers (also `NaN`, `Infinity`), quoted strings, `true`, `false`, `null`, `undefined`,
 * arrays and plain objects of those. Anything else (`// ≈ [2, 4]`, `// np.random.seed(231)`,
 * `// 'float32' unless setDefaultDtype changed it`) is prose and is not checked.
 * @module
 */

/** A value a comment can state. */
export type Expected = number | string | boolean | null | undefined | Expected[] | { [key: string]: Expected };

/** Relative and absolute tolerance for numbers: `|a - e| <= atol + rtol·max(|a|, |e|)`. */
export const NUMBER_TOLERANCE = { rtol: 1e-6, atol: 1e-12 };

class Reader {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  done(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  eat(s: string): boolean {
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }
}

const NOT_A_LITERAL = Symbol('not a literal');
type Parsed = Expected | typeof NOT_A_LITERAL;

const WORDS: [string, Expected][] = [
  ['true', true], ['false', false], ['null', null], ['undefined', undefined],
  ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
];

function readValue(r: Reader): Parsed {
  r.skipSpace();
  const c = r.peek();
  if (c === '[') return readArray(r);
  if (c === '{') return readObject(r);
  if (c === "'" || c === '"') return readString(r);
  const number = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(r.text.slice(r.pos));
  if (number) {
    r.pos += number[0].length;
    return endsWord(r) ? Number(number[0]) : NOT_A_LITERAL;
  }
  for (const [word, value] of WORDS) {
    if (r.text.startsWith(word, r.pos)) {
      r.pos += word.length;
      return endsWord(r) ? value : NOT_A_LITERAL;
    }
  }
  return NOT_A_LITERAL;
}

/** A literal must not run into letters or digits (`12px`, `trueish` are prose). */
function endsWord(r: Reader): boolean {
  return !/[\w$.]/.test(r.peek());
}

function readString(r: Reader): Parsed {
  const quote = r.peek();
  let out = '';
  r.pos++;
  while (r.pos < r.text.length) {
    const c = r.text[r.pos++]!;
    if (c === quote) return out;
    if (c === '\\') {
      const e = r.text[r.pos++] ?? '';
      out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
    } else out += c;
  }
  return NOT_A_LITERAL;
}

function readArray(r: Reader): Parsed {
  r.eat('[');
  const out: Expected[] = [];
  r.skipSpace();
  if (r.eat(']')) return out;
  for (;;) {
    const v = readValue(r);
    if (v === NOT_A_LITERAL) return v;
    out.push(v);
    r.skipSpace();
    if (r.eat(']')) return out;
    if (!r.eat(',')) return NOT_A_LITERAL;
    r.skipSpace();
    if (r.eat(']')) return out;
  }
}

function readObject(r: Reader): Parsed {
  r.eat('{');
  const out: { [key: string]: Expected } = {};
  r.skipSpace();
  if (r.eat('}')) return out;
  for (;;) {
    r.skipSpace();
    let key: Parsed;
    if (r.peek() === "'" || r.peek() === '"') key = readString(r);
    else {
      const m = /^[A-Za-z_$][\w$]*/.exec(r.text.slice(r.pos));
      if (!m) return NOT_A_LITERAL;
      key = m[0];
      r.pos += key.length;
    }
    if (typeof key !== 'string') return NOT_A_LITERAL;
    r.skipSpace();
    if (!r.eat(':')) return NOT_A_LITERAL;
    const v = readValue(r);
    if (v === NOT_A_LITERAL) return v;
    out[key] = v;
    r.skipSpace();
    if (r.eat('}')) return out;
    if (!r.eat(',')) return NOT_A_LITERAL;
    r.skipSpace();
    if (r.eat('}')) return out;
  }
}

/**
 * The values a trailing comment states, one per argument of the `console.log` on its line, or
 * null when the comment is prose (not checked).
 * @param comment - the comment's text after `//`.
 */
export function parseExpectation(comment: string): Expected[] | null {
  const r = new Reader(comment.trim());
  if (r.text === '' || r.text.startsWith('≈') || r.text.startsWith('~')) return null;
  const values: Expected[] = [];
  while (!r.done()) {
    const v = readValue(r);
    if (v === NOT_A_LITERAL) return null;
    values.push(v);
    // values are separated by whitespace: `[1][2]` and `1,2` are not two values
    if (!r.done() && !/\s/.test(r.text[r.pos - 1] ?? '')) return null;
  }
  return values;
}

function isTypedArray(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** `value` written as the comment would write it (for messages). */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return Object.is(value, -0) ? '0' : String(value);
  if (isTypedArray(value)) return show(Array.from(value));
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== Object.prototype && proto !== null) return `<${(value as object).constructor?.name ?? 'object'}>`;
    return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${show(v)}`).join(', ')} }`;
  }
  return String(value);
}

function closeEnough(a: number, e: number): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e) || !Number.isFinite(a)) return a === e;
  return Math.abs(a - e) <= NUMBER_TOLERANCE.atol + NUMBER_TOLERANCE.rtol * Math.max(Math.abs(a), Math.abs(e));
}

/**
 * Compares a printed value with a stated one: structurally, numbers within {@link NUMBER_TOLERANCE},
 * typed arrays as arrays. Returns null when they agree, else where they differ.
 */
export function mismatch(actual: unknown, expected: Expected, path = ''): string | null {
  const at = path === '' ? '' : ` at ${path}`;
  if (typeof expected === 'number') {
    return typeof actual === 'number' && closeEnough(actual, expected) ? null : `expected ${show(expected)}${at}, printed ${show(actual)}`;
  }
  if (Array.isArray(expected)) {
    const items = isTypedArray(actual) ? Array.from(actual) : actual;
    if (!Array.isArray(items)) return `expected an array${at}, printed ${show(actual)}`;
    if (items.length !== expected.length) return `expected ${expected.length} elements${at}, printed ${items.length}: ${show(items)}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(items[i], expected[i], `${path}[${i}]`);
      if (m !== null) return m;
    }
    return null;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `expected an object${at}, printed ${show(actual)}`;
    const record = actual as Record<string, unknown>;
    const keys = Object.keys(expected);
    const extra = Object.keys(record).filter((k) => !(k in expected));
    if (extra.length > 0) return `printed extra keys ${extra.join(', ')}${at}`;
    for (const k of keys) {
      if (!(k in record)) return `printed no key ${k}${at}`;
      const m = mismatch(record[k], expected[k], `${path}.${k}`);
      if (m !== null) return m;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : `expected ${show(expected)}${at}, printed ${show(actual)}`;
}
