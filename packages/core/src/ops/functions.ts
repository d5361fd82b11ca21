/**
 * The op functions in one place, for the Tensor methods that call them.
 * @module
 * @internal
 */
export { add } from './add.js';
export { sub } from './sub.js';
export { mul } from './mul.js';
export { div } from './div.js';
export { maximum } from './maximum.js';
export { minimum } from './minimum.js';
export { pow } from './pow.js';
export { neg } from './neg.js';
export { sqrt } from './sqrt.js';
export { exp } from './exp.js';
export { log } from './log.js';
export { abs } from './abs.js';
export { relu } from './relu.js';
export { matmul } from './matmul.js';
export { transpose, permute } from './transpose.js';
export { reshape, flatten, squeeze, unsqueeze } from './reshape.js';
export { sum } from './sum.js';
export { mean } from './mean.js';
export { variance, std, type VarianceOptions } from './var.js';
export { max, min } from './max.js';
export { argmax, argmin } from './argmax.js';
export { softmax } from './softmax.js';
export { logSoftmax } from './logSoftmax.js';
export { indexRows, type RowIndex } from './indexRows.js';
export { cast } from './cast.js';
export { clone } from './clone.js';
