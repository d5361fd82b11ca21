import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from './cliArgs.js';

const spec = {
  script: 'training',
  usage: 'node bench/dist/training.js [--only W1] [--budget S] [--json FILE]',
  values: { only: undefined, budget: '2', json: undefined },
  flags: ['dry'],
} as const;

const error = (run: () => unknown): UsageError => {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
};

describe('parseCli', () => {
  it('reads `--name value`, `--name=value` and flags, and keeps the defaults of options not given', () => {
    const args = parseCli(spec, ['--only', 'W1,M2', '--json=out.jsonl', '--dry']);
    expect(args.values).toEqual({ only: 'W1,M2', budget: '2', json: 'out.jsonl' });
    expect(args.flags).toEqual({ dry: true });
    expect(args.positionals).toEqual([]);
    expect(args.number('budget')).toBe(2);
    expect(parseCli(spec, []).values).toEqual({ only: undefined, budget: '2', json: undefined });
    expect(parseCli(spec, []).flags).toEqual({ dry: false });
  });

  it('takes a negative number or an empty string as a value (only `--…` is not one)', () => {
    expect(parseCli(spec, ['--budget', '-1']).number('budget')).toBe(-1);
    expect(parseCli(spec, ['--json=']).values.json).toBe('');
  });

  it('rejects an unknown option, naming the known ones', () => {
    expect(error(() => parseCli(spec, ['--onyl', 'W1'])).message).toBe('training: an option of --only, --budget, --json, --dry (got --onyl)');
    expect(error(() => parseCli(spec, ['--budget=1', '-x'])).message).toBe('training: no arguments but options (got -x)');
  });

  it('rejects an option without its value: at the end, or followed by another option', () => {
    expect(error(() => parseCli(spec, ['--only'])).message).toBe('training: a value after --only (got nothing)');
    expect(error(() => parseCli(spec, ['--only', '--budget', '3'])).message).toBe('training: a value after --only (got --budget)');
  });

  it('rejects an option given twice, and a flag given a value', () => {
    expect(error(() => parseCli(spec, ['--budget', '1', '--budget=2'])).message).toBe('training: --budget at most once (got it twice)');
    expect(error(() => parseCli(spec, ['--dry', '--dry'])).message).toBe('training: --dry at most once (got it twice)');
    expect(error(() => parseCli(spec, ['--dry=yes'])).message).toBe('training: --dry without a value (it is a flag) (got --dry=yes)');
  });

  it('rejects a value that is not a finite number when it is read as one', () => {
    for (const bad of ['abc', '', '1e999', '2s']) {
      expect(error(() => parseCli(spec, [`--budget=${bad}`]).number('budget')).message).toBe(`training: --budget as a number (got ${bad})`);
    }
    expect(error(() => parseCli(spec, []).number('only')).message).toBe('training: --only as a number (got nothing)');
  });

  it('counts positional arguments: the required ones, then up to the optional ones; `--` ends the options', () => {
    const paired = { script: 'w1Paired', usage: 'u', values: { steps: '50' }, positionals: { required: ['OTHER_CHECKOUT'], optional: ['LABEL'] } } as const;
    expect(parseCli(paired, ['--steps', '10', '../base']).positionals).toEqual(['../base']);
    expect(parseCli(paired, ['a', '--', '--b']).positionals).toEqual(['a', '--b']);
    expect(error(() => parseCli(paired, ['--steps', '10'])).message).toBe('w1Paired: the argument OTHER_CHECKOUT (got nothing)');
    expect(error(() => parseCli(paired, ['a', 'b', 'c'])).message).toBe('w1Paired: at most 2 arguments, OTHER_CHECKOUT LABEL (got a b c)');
  });
});
