/**
 * How `applyOp` calls an op's forward and what it notes about the call: the inputs' ndarrays as
 * arguments, the output's aliasing of an input (a view), and anomaly mode's check of the output.
 * @module
 * @internal
 */
import { checkFinite, describeInputs } from './anomaly.js';
import { noteShared } from './allocator.js';
import type { NdArray } from './dtype.js';
import { toContiguous } from './kernels/layout.js';
import type { OpContext, TapeSpec } from './tape.js';
import type { Tensor } from './tensor.js';

/** What {@link noteAliases} returns when the output views no input, and when it views several. @internal */
export const NO_VIEW = -1, SEVERAL = -2;

/**
 * Calls `spec.forward` with the inputs' ndarrays as arguments (made contiguous first for a
 * `contiguousInputs` spec), without an array of them for up to four inputs. @internal
 */
export function callForward(spec: TapeSpec, ctx: OpContext<unknown, readonly unknown[]>, inputs: readonly Tensor[]): NdArray {
  const c = spec.contiguousInputs === true;
  switch (inputs.length) {
    case 0: return spec.forward(ctx);
    case 1: return spec.forward(ctx, argument(inputs[0]!, c));
    case 2: return spec.forward(ctx, argument(inputs[0]!, c), argument(inputs[1]!, c));
    case 3: return spec.forward(ctx, argument(inputs[0]!, c), argument(inputs[1]!, c), argument(inputs[2]!, c));
    case 4: return spec.forward(ctx, argument(inputs[0]!, c), argument(inputs[1]!, c), argument(inputs[2]!, c), argument(inputs[3]!, c));
    default: {
      const data = new Array<NdArray>(inputs.length);
      for (let i = 0; i < inputs.length; i++) data[i] = argument(inputs[i]!, c);
      return spec.forward(ctx, ...data);
    }
  }
}

/** An input's ndarray as forward gets it. */
function argument(t: Tensor, contiguous: boolean): NdArray {
  return contiguous ? toContiguous(t.data) : t.data;
}

/**
 * Counts, in each input's producer, one more recorded op that took its output (`counted`: a node
 * will be made, for a float output), and notes where `out` shares an input's array (a view). Returns
 * the input `out` views, for the new node to link to (`release.ts`), or NO_VIEW; a view of several
 * inputs, or one no node will be made for, pins their arrays for good (`share`), and returns SEVERAL. @internal
 */
export function noteAliases(inputs: readonly Tensor[], out: NdArray, counted: boolean): number {
  let viewed = NO_VIEW;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    const view = out.data === input.data.data;
    if (view) {
      viewed = viewed === NO_VIEW ? i : SEVERAL;
      noteShared(out.data);
    } else if (counted) {
      const producer = input.gradFn;
      if (producer !== null) producer.uses++;
    }
  }
  if (viewed === SEVERAL || (viewed !== NO_VIEW && !counted)) {
    for (let i = 0; i < inputs.length; i++) if (out.data === inputs[i]!.data.data) inputs[i]!.gradFn?.share();
    return SEVERAL;
  }
  return viewed;
}

/** Anomaly mode's check of a forward output. @internal */
export function checkOutput(op: string, out: NdArray, inputs: readonly Tensor[], shapes: readonly (readonly number[])[], site: string): void {
  const data = new Array<NdArray>(inputs.length);
  for (let i = 0; i < inputs.length; i++) data[i] = inputs[i]!.data;
  checkFinite(`${op}.forward`, out, data, describeInputs(shapes), site);
}
