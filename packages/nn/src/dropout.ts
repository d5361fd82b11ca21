/**
 * The dropout layer, as PyTorch's `nn.Dropout`.
 * @module
 */
import { defaultGenerator, type Generator, type Tensor } from '@tapegrad/core';
import { Module } from './module.js';
import { checkDropoutP, dropout } from './functional/dropout.js';
import { graphOnly } from './graphOnly.js';

/** Options of {@link Dropout}. @category Layers */
export interface DropoutOptions {
  /** The stream the masks are drawn from (default: the global one, seeded by `manualSeed`). */
  generator?: Generator;
}

/**
 * Inverted dropout (PyTorch's `nn.Dropout`): in train mode each element is zeroed with probability
 * `p` and the rest are scaled by 1/(1 − p); in eval mode the input passes through unchanged. See
 * {@link dropout} for the mask's exact draw.
 *
 * Shapes: any input shape; the output has the same shape.
 *
 * @example
 * ```ts
 * import { ones, Generator } from '@tapegrad/core';
 * import { Dropout } from '@tapegrad/nn';
 * const drop = new Dropout(0.5, { generator: new Generator(1) });
 * console.log(drop.forward(ones([4])).toArray()); // [2, 0, 2, 2]: zeroed where rand() >= 0.5
 * console.log(drop.eval().forward(ones([4])).toArray()); // [1, 1, 1, 1]
 * ```
 * @category Layers
 */
export class Dropout extends Module {
  /** forward keeps its input and output only on the tape (see graphOnly.ts). @internal */
  static readonly [graphOnly] = true;
  /** The probability of zeroing an element. */
  readonly p: number;
  /** The stream the masks are drawn from. */
  generator: Generator;

  /**
   * @param p - the probability of zeroing an element (default 0.5), in [0, 1].
   * @param opts - `generator` (the global stream).
   * @throws RangeError when p is not in [0, 1].
   */
  constructor(p = 0.5, opts: DropoutOptions = {}) {
    super();
    this.p = checkDropoutP('Dropout', p);
    this.generator = opts.generator ?? defaultGenerator;
  }

  /** x with dropout applied in train mode; x itself in eval mode. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.generator);
  }

  /** `p=0.5`. */
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
