/**
 * Iteration over several same-shape strided ndarrays (broadcast operands have zero strides):
 * adjacent dims are merged where every operand allows it, so contiguous operands run as one flat loop
 * and a bias broadcast runs as rows of unit-stride loops.
 * @module
 * @internal
 */

/** Dims and per-operand strides after merging; the last dim is the inner loop. */
export interface IterationPlan {
  readonly shape: number[];
  readonly strides: number[][];
}

/** Merges adjacent dims of `shape` wherever every operand's strides allow it, and drops dims of size 1. */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): IterationPlan {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 1) continue;
    const last = dims.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => out[k]![last] === s[i]! * d);
    if (mergeable) {
      dims[last] = dims[last]! * d;
      strides.forEach((s, k) => (out[k]![last] = s[i]!));
    } else {
      dims.push(d);
      strides.forEach((s, k) => out[k]!.push(s[i]!));
    }
  }
  return { shape: dims, strides: out };
}

/**
 * Calls `inner(offsets, n, innerStrides)` once per row of the plan's last dim, with each operand's
 * offset at the start of the row. `offsets` is reused between calls: read it, do not keep it.
 */
export function forEachRow(
  plan: IterationPlan,
  baseOffsets: readonly number[],
  inner: (offsets: number[], n: number, strides: number[]) => void,
): void {
  const rank = plan.shape.length;
  const operands = baseOffsets.length;
  const offsets = [...baseOffsets];
  if (rank === 0) {
    inner(offsets, 1, new Array<number>(operands).fill(0));
    return;
  }
  const innerN = plan.shape[rank - 1]!;
  const innerStrides = plan.strides.map((s) => s[rank - 1]!);
  if (innerN === 0) return;
  const outer = plan.shape.slice(0, rank - 1);
  if (outer.some((d) => d === 0)) return;
  const counter = new Array<number>(outer.length).fill(0);
  for (;;) {
    inner(offsets, innerN, innerStrides);
    let axis = outer.length - 1;
    for (; axis >= 0; axis--) {
      counter[axis]!++;
      for (let k = 0; k < operands; k++) offsets[k]! += plan.strides[k]![axis]!;
      if (counter[axis]! < outer[axis]!) break;
      for (let k = 0; k < operands; k++) offsets[k]! -= plan.strides[k]![axis]! * outer[axis]!;
      counter[axis] = 0;
    }
    if (axis < 0) return;
  }
}
