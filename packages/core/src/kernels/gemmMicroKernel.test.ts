import { expect, it } from 'vitest';
import { microKernel2x3 } from './gemmMicroKernel.js';

it('adds the product of a 2-row and a 3-column panel into a 2×3 block of the tile', () => {
  const depth = 7;
  const aPanel = Array.from({ length: 2 * depth }, (_, i) => ((i * 37) % 11) - 5);
  const bPanel = Array.from({ length: 3 * depth }, (_, i) => ((i * 13) % 7) * 0.5 - 1);
  const packed = [9.5, ...aPanel, ...bPanel];
  const tileStride = 5;
  const tile = Array.from({ length: 3 * tileStride }, (_, i) => i + 0.5);
  const want = tile.slice();
  for (let r = 0; r < 2; r++) for (let j = 0; j < 3; j++) {
    let sum = 0;
    for (let p = 0; p < depth; p++) sum += aPanel[2 * p + r]! * bPanel[3 * p + j]!;
    const at = tileStride + 1 + r * tileStride + j;
    want[at] = want[at]! + sum;
  }
  microKernel2x3(depth, packed, 1, 1 + 2 * depth, tile, tileStride + 1, tileStride);
  expect(tile).toEqual(want);
});
