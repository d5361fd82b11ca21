/**
 * The MT19937 Mersenne Twister bit generator, seeded and stepped exactly as numpy's legacy
 * `np.random.seed(int)` / `RandomState` does, on a `Uint32Array` state.
 * @module
 */

/** Number of 32-bit words in the state. */
const N = 624;
/** The twist's middle offset. */
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * A snapshot of an {@link MT19937}: the same two fields as numpy's `get_state()` (`key`, `pos`).
 * @category Random
 */
export interface MT19937State {
  /** The 624 untempered state words. */
  key: Uint32Array;
  /** Index of the next word to temper, 0..624; 624 means the block is regenerated before the next draw. */
  pos: number;
}

/**
 * The 32-bit Mersenne Twister (Matsumoto & Nishimura, mt19937ar), the bit generator behind numpy's
 * legacy `RandomState`.
 *
 * The state is a `Uint32Array` of 624 words; the whole block is regenerated ("twisted") once every
 * 624 draws, and each draw tempers one word. {@link MT19937.nextUint32} is `genrand_int32` and
 * {@link MT19937.nextDouble} is numpy's 53-bit `random_sample` double.
 *
 * @example
 * ```ts
 * import { MT19937 } from '@tapegrad/core';
 * const mt = new MT19937(0);   // as np.random.seed(0)
 * console.log(mt.nextUint32()); // 2357136044
 * console.log(mt.nextDouble()); // 0.5928446182250183 (from the 2nd and 3rd draws)
 * ```
 * @category Random
 */
export class MT19937 {
  private readonly key = new Uint32Array(N);
  private pos = N;

  /**
   * Creates a generator seeded with {@link MT19937.init_genrand}.
   *
   * @param seed - An integer in [0, 2**32 - 1]; default 5489, the reference implementation's default.
   * @throws RangeError when `seed` is not an integer in [0, 2**32 - 1].
   */
  constructor(seed = 5489) {
    this.init_genrand(seed);
  }

  /**
   * Seeds as the reference `init_genrand(s)` and numpy's `np.random.seed(s)` for an integer `s`
   * (not `init_by_array`): `key[0] = s`, `key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >>> 30)) + i`
   * modulo 2**32, and `pos = 624`. The name is the reference implementation's.
   *
   * @param seed - An integer in [0, 2**32 - 1].
   * @throws RangeError when `seed` is not an integer in [0, 2**32 - 1].
   * @example
   * ```ts
   * import { MT19937 } from '@tapegrad/core';
   * const mt = new MT19937();
   * mt.init_genrand(4294967295);
   * console.log(mt.getState().pos); // 624
   * ```
   */
  init_genrand(seed: number): void {
    checkSeed('MT19937.init_genrand', seed);
    const key = this.key;
    let word = seed >>> 0;
    key[0] = word;
    for (let i = 1; i < N; i++) {
      word = (Math.imul(1812433253, word ^ (word >>> 30)) + i) >>> 0;
      key[i] = word;
    }
    this.pos = N;
  }

  /**
   * The next tempered 32-bit output (`genrand_int32`), an integer in [0, 2**32 - 1].
   *
   * @example
   * ```ts
   * import { MT19937 } from '@tapegrad/core';
   * console.log(new MT19937(231).nextUint32()); // 3356491351
   * ```
   */
  nextUint32(): number {
    if (this.pos >= N) this.twist();
    let y = this.key[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A double in [0, 1) with 53 random bits, from two draws (numpy's `random_sample`):
   * `a = u32() >>> 5; b = u32() >>> 6; (a * 2**26 + b) / 2**53`.
   *
   * @example
   * ```ts
   * import { MT19937 } from '@tapegrad/core';
   * console.log(new MT19937(0).nextDouble()); // 0.5488135039273248, as np.random.seed(0); np.random.rand()
   * ```
   */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /**
   * A copy of the state: the 624 untempered words and the position, as numpy's `get_state()` gives
   * them (`state[1]`, `state[2]`).
   *
   * @example
   * ```ts
   * import { MT19937 } from '@tapegrad/core';
   * const { key, pos } = new MT19937(0).getState();
   * console.log(key[1], pos); // 1 624
   * ```
   */
  getState(): MT19937State {
    return { key: this.key.slice(), pos: this.pos };
  }

  /**
   * Restores a state from {@link MT19937.getState} or numpy's `get_state()`; the arguments are copied.
   *
   * @param state - `key`: 624 integers in [0, 2**32 - 1] (any array-like); `pos`: an integer in [0, 624].
   * @throws RangeError naming the first bad field when the state is malformed; the generator is unchanged.
   * @example
   * ```ts
   * import { MT19937 } from '@tapegrad/core';
   * const mt = new MT19937(1);
   * const saved = mt.getState();
   * const first = mt.nextUint32();
   * mt.setState(saved);
   * console.log(mt.nextUint32() === first); // true
   * ```
   */
  setState(state: { key: ArrayLike<number>; pos: number }): void {
    const { key, pos } = state;
    if (key === null || typeof key !== 'object' || key.length !== N) {
      throw new RangeError(`setState: key must hold ${N} integers (got ${describeKey(key)})`);
    }
    for (let i = 0; i < N; i++) {
      const word = key[i];
      if (!Number.isInteger(word) || word! < 0 || word! > 0xffffffff) {
        throw new RangeError(`setState: key[${i}] must be an integer in [0, 2**32 - 1] (got ${String(word)})`);
      }
    }
    if (!Number.isInteger(pos) || pos < 0 || pos > N) {
      throw new RangeError(`setState: pos must be an integer in [0, ${N}] (got ${String(pos)})`);
    }
    this.key.set(key);
    this.pos = pos;
  }

  /** Regenerates all 624 words at once and rewinds `pos`. */
  private twist(): void {
    const key = this.key;
    let i = 0;
    for (; i < N - M; i++) {
      const y = (key[i]! & UPPER_MASK) | (key[i + 1]! & LOWER_MASK);
      key[i] = key[i + M]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      const y = (key[i]! & UPPER_MASK) | (key[i + 1]! & LOWER_MASK);
      key[i] = key[i + M - N]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    const y = (key[N - 1]! & UPPER_MASK) | (key[0]! & LOWER_MASK);
    key[N - 1] = key[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.pos = 0;
  }
}

/**
 * Throws unless `seed` is an integer in [0, 2**32 - 1], the seeds numpy's `np.random.seed` takes.
 * @internal
 */
export function checkSeed(where: string, seed: unknown): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    const got = typeof seed === 'number' ? String(seed) : `${typeof seed} ${String(seed)}`;
    throw new RangeError(`${where}: the seed must be an integer in [0, 2**32 - 1] (got ${got})`);
  }
}

function describeKey(key: unknown): string {
  if (key === null || typeof key !== 'object') return String(key);
  const length = (key as { length?: unknown }).length;
  return typeof length === 'number' ? `length ${length}` : 'an object without a length';
}
