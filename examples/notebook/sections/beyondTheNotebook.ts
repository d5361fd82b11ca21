/**
 * The demo's part "Beyond the notebook": the normalization cells of cs231n's ConvolutionalNetworks
 * notebook (spatial batchnorm and spatial groupnorm, forward and backward) and a small convnet
 * trained with and without them, after the BatchNormalization notebook's sections.
 * @module
 */
import type { Section } from '../section.js';
import { convNets } from './convNets.js';
import { sbnForward, sbnGradCheck, sbnTestTime } from './spatialBatchNorm.js';
import { sgnForward, sgnGradCheck } from './spatialGroupNorm.js';

/** The part's sections, in the ConvolutionalNetworks notebook's order, the training last. */
export const beyondTheNotebook: readonly Section[] = [sbnForward, sbnTestTime, sbnGradCheck, sgnForward, sgnGradCheck, convNets];
