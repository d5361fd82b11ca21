/**
 * One part of the page: the BatchNormalization notebook's sections, or the demo's part "Beyond the
 * notebook" (cs231n ConvolutionalNetworks' normalization cells and a small convnet), each under its
 * own heading, the sections' cards inside it.
 * @module
 */
import type { PartId } from '../protocol.js';
import { h } from './dom.js';

/** Each part's heading and what it is. */
export const PARTS: Record<PartId, { title: string; about: string }> = {
  notebook: {
    title: 'The BatchNormalization notebook',
    about: "cs231n's BatchNormalization notebook, cell by cell: batch and layer normalization forward and backward, their "
      + 'gradient checks, and the trainings that show what they do for deep networks.',
  },
  'beyond-the-notebook': {
    title: 'Beyond the notebook',
    about: "The normalization cells of cs231n's next notebook, ConvolutionalNetworks: spatial batch normalization (BatchNorm2d) "
      + 'and spatial group normalization (GroupNorm), forward and backward with gradient checks; then a small convnet trained '
      + 'without normalization, with spatial batchnorm and with spatial groupnorm, set against this run\'s FullyConnectedNets.',
  },
};

export class PartView {
  readonly root: HTMLElement;
  readonly title: string;

  constructor(readonly id: PartId) {
    this.title = PARTS[id].title;
    this.root = h('section', { class: 'part', id: `part-${id}`, 'aria-labelledby': `part-${id}-title` },
      h('h2', { id: `part-${id}-title` }, this.title),
      h('p', { class: 'about' }, PARTS[id].about));
  }

  /** Adds a section's card. */
  add(card: HTMLElement): void {
    this.root.append(card);
  }
}
