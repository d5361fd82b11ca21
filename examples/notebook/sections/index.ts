/**
 * The notebook's sections, in its order.
 * @module
 */
import type { Section } from '../section.js';
import { batchSizeBn, batchSizeLn } from './batchSize.js';
import { beyondTheNotebook } from './beyondTheNotebook.js';
import { bnBackwardAlt } from './bnBackwardAlt.js';
import { bnTestTime } from './bnTestTime.js';
import { deepNets } from './deepNets.js';
import { fcNetGradCheck } from './fcNetGradCheck.js';
import { lnLimits } from './lnLimits.js';
import { loadData } from './loadData.js';
import { normAnalogies } from './normAnalogies.js';
import { bnForward, lnForward } from './normForward.js';
import { bnGradCheck, lnGradCheck } from './normGradCheck.js';
import { weightScale } from './weightScale.js';

/** Every section, in the notebook's order. */
export const sections: readonly Section[] = [
  loadData,
  bnForward,
  bnTestTime,
  bnGradCheck,
  bnBackwardAlt,
  fcNetGradCheck,
  deepNets,
  weightScale,
  batchSizeBn,
  normAnalogies,
  lnForward,
  lnGradCheck,
  batchSizeLn,
  lnLimits,
  ...beyondTheNotebook,
];
