/**
 * The Compare gradients panel: pick a layer, the input's shape and dtype; `compareGradients` runs in
 * a worker and the page shows its table: the relative error of every gradient (tape against fused
 * backward), and both backward passes timed in this browser, with the speedup.
 * @module
 */
import { formatShape } from '@tapegrad/core';
import type { CompareLayer, CompareRequest, CompareResult, KernelChoice } from '../protocol.js';
import { spawnWorker } from '../run/spawn.js';
import { h } from './dom.js';

const LAYERS: [CompareLayer, string][] = [
  ['batchnorm-cs231n', 'BatchNorm1d (cs231n convention)'],
  ['batchnorm-pytorch', 'BatchNorm1d (PyTorch convention)'],
  ['layernorm', 'LayerNorm'],
  ['linear', 'Linear (D → D)'],
  ['relu', 'ReLU'],
];

const sci = (v: number): string => (v === 0 ? '0' : v.toExponential(2));

/** A labelled form control. */
function field(label: string, control: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), control);
}

export class ComparePanel {
  readonly root: HTMLElement;
  private worker: Worker | null = null;
  private reqId = 0;
  private readonly output: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;

  constructor(private readonly kernels: KernelChoice) {
    const layer = h('select', { id: 'compare-layer' }, ...LAYERS.map(([v, t]) => h('option', { value: v }, t)));
    const n = h('input', { id: 'compare-n', type: 'number', min: 1, max: 65536, step: 1, value: 100, required: true, inputmode: 'numeric' });
    const d = h('input', { id: 'compare-d', type: 'number', min: 1, max: 65536, step: 1, value: 500, required: true, inputmode: 'numeric' });
    const dtype = h('select', { id: 'compare-dtype' }, h('option', { value: 'float64' }, 'float64'), h('option', { value: 'float32' }, 'float32'));
    const repeats = h('input', { id: 'compare-repeats', type: 'number', min: 1, max: 500, step: 1, value: 20, required: true, inputmode: 'numeric' });
    this.button = h('button', { type: 'submit', id: 'compare-run' }, 'Compare');
    this.cancelButton = h('button', { type: 'button', hidden: true, onclick: () => this.cancel() }, 'Cancel');
    this.output = h('div', { class: 'compare-output', id: 'compare-output', 'aria-live': 'polite' });
    const form = h('form', { class: 'compare-form' },
      field('Layer', layer), field('N (batch)', n), field('D (features)', d), field('dtype', dtype), field('Timed repeats', repeats),
      h('span', { class: 'actions' }, this.button, this.cancelButton));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.compare({
        type: 'compare', reqId: 0, layer: layer.value as CompareLayer, n: Number(n.value), d: Number(d.value),
        dtype: dtype.value as 'float32' | 'float64', repeats: Number(repeats.value),
      });
    });
    this.root = h('section', { class: 'panel compare', id: 'compare', 'aria-labelledby': 'compare-title' },
      h('h2', { id: 'compare-title' }, 'Compare gradients: the tape against the handwritten backward'),
      h('p', {}, 'One layer, one random input, one random upstream gradient: compareGradients (from @tapegrad/nn) runs its composed form, '
        + 'whose gradient the tape derives, and its fused form, one tape node with a handwritten backward, then compares every gradient '
        + 'and times both backward passes, here in this browser, in a worker.'),
      form, this.output);
  }

  private compare(request: CompareRequest): void {
    this.worker ??= spawnWorker('compare', this.kernels);
    const reqId = ++this.reqId;
    this.button.disabled = true;
    this.cancelButton.hidden = false;
    this.output.replaceChildren(h('p', { class: 'notice' }, `Measuring ${request.layer} on ${request.dtype} ${formatShape([request.n, request.d])}…`));
    this.worker.onmessage = (e: MessageEvent<CompareResult>) => {
      if (e.data.reqId !== reqId) return;
      this.done();
      this.show(e.data);
    };
    this.worker.onerror = (e: ErrorEvent) => {
      this.done();
      this.worker = null;
      this.output.replaceChildren(h('p', { class: 'error', role: 'alert' }, `The comparison stopped: ${e.message || 'the worker failed (out of memory?)'}`));
    };
    this.worker.postMessage({ ...request, reqId } satisfies CompareRequest);
  }

  /** Stops a comparison that runs (its worker is ended; the next starts a new one). */
  cancel(): void {
    if (this.worker === null || !this.button.disabled) return;
    this.worker.terminate();
    this.worker = null;
    this.done();
    this.output.replaceChildren(h('p', { class: 'notice' }, 'Cancelled.'));
  }

  private done(): void {
    this.button.disabled = false;
    this.cancelButton.hidden = true;
  }

  private show(r: CompareResult): void {
    if (r.error !== null) {
      this.output.replaceChildren(h('p', { class: 'error', role: 'alert' }, r.error));
      return;
    }
    const ms = (v: number) => `${v.toFixed(3)} ms`;
    const table = h('table', { class: 'compare-table' },
      h('caption', {}, r.subject),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'tensor'), h('th', { scope: 'col' }, 'relative error'), h('th', { scope: 'col' }, 'max |difference|'))),
      h('tbody', {}, ...r.rows.map((row) => h('tr', {}, h('th', { scope: 'row' }, row.name), h('td', {}, sci(row.relError)), h('td', {}, sci(row.maxAbsDiff))))));
    const timing = h('table', { class: 'compare-table timings' },
      h('caption', {}, `Medians of ${r.repeats} timed runs after ${r.warmup} warm-up, ${r.kernels} kernels, in this browser`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'tape'), h('th', { scope: 'col' }, 'fused'))),
      h('tbody', {},
        h('tr', {}, h('th', { scope: 'row' }, 'backward'), h('td', {}, ms(r.tapeMs)), h('td', {}, ms(r.fusedMs))),
        h('tr', {}, h('th', { scope: 'row' }, 'forward'), h('td', {}, ms(r.forwardTapeMs)), h('td', {}, ms(r.forwardFusedMs)))));
    const speed = h('p', { class: 'speedup' }, r.speedup >= 1
      ? `The handwritten backward was ${r.speedup.toFixed(2)}× as fast as the tape's.`
      : `The handwritten backward was not faster here (${r.speedup.toFixed(2)}×).`);
    this.output.replaceChildren(table, timing, speed, h('details', {}, h('summary', {}, 'compareGradients\' own table'), h('pre', {}, r.text)));
  }
}
