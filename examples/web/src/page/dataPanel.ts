/**
 * Where the page's CIFAR-10 comes from, shown and chosen: what `pnpm web` serves beside the page, or
 * files dropped on the page (or picked with the button): `cifar-10-binary.tar.gz` or the batch
 * `.bin` files, read in this browser, nothing uploaded; or the labelled synthetic stand-in. A file
 * that cannot be used shows its error here, and the data stays what it was.
 * @module
 */
import { h } from './dom.js';

export interface DataPanelHandlers {
  /** Files were dropped or picked; resolves with an error text, or null when they are used now. */
  use(files: File[]): Promise<string | null>;
  /** Back to the page's default data (served, or the stand-in). */
  reset(): Promise<void>;
  /** Whether the data may change now (not while a run goes). */
  canChange(): boolean;
}

export class DataPanel {
  readonly root: HTMLElement;
  private readonly sourceEl: HTMLElement;
  private readonly messageEl: HTMLElement;
  private readonly resetButton: HTMLButtonElement;
  private readonly input: HTMLInputElement;

  constructor(private readonly handlers: DataPanelHandlers) {
    this.input = h('input', { type: 'file', multiple: true, accept: '.gz,.tgz,.tar,.bin,.txt', class: 'visually-hidden', id: 'data-files', tabindex: -1 });
    this.input.addEventListener('change', () => {
      const files = [...(this.input.files ?? [])];
      this.input.value = '';
      if (files.length > 0) void this.take(files);
    });
    const zone = h('div', {
      class: 'dropzone', role: 'button', tabindex: 0, id: 'dropzone',
      'aria-label': 'Drop cifar-10-binary.tar.gz or CIFAR-10 batch .bin files here, or press Enter to choose them',
    }, 'Drop ', h('code', {}, 'cifar-10-binary.tar.gz'), ' or the batch ', h('code', {}, '.bin'), ' files here, or press to choose them. ',
    h('small', {}, 'They are read in this browser; nothing is uploaded.'));
    zone.addEventListener('click', () => this.input.click());
    zone.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.input.click();
      }
    });
    this.sourceEl = h('p', { class: 'source', id: 'data-source' });
    this.messageEl = h('p', { class: 'data-message', id: 'data-message', role: 'status' });
    this.resetButton = h('button', { type: 'button', hidden: true, onclick: () => void this.reset() }, 'Forget the dropped files');
    this.root = h('section', { class: 'panel data', 'aria-labelledby': 'data-title' },
      h('h2', { id: 'data-title' }, 'Data'), this.sourceEl, zone, this.input, this.messageEl, this.resetButton);
    // a drop anywhere on the page counts; outside the zone too, so the browser never navigates to the file
    document.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    document.addEventListener('dragleave', (e) => {
      if (e.relatedTarget === null) zone.classList.remove('over');
    });
    document.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length > 0) void this.take(files);
    });
  }

  /** Says what the data is. */
  showSource(text: string, synthetic: boolean): void {
    this.sourceEl.textContent = text;
    this.sourceEl.classList.toggle('banner', synthetic);
  }

  private message(text: string, error: boolean): void {
    this.messageEl.textContent = text;
    this.messageEl.classList.toggle('error', error);
    this.messageEl.setAttribute('role', error ? 'alert' : 'status');
  }

  private async take(files: File[]): Promise<void> {
    const names = files.map((f) => f.name).join(', ');
    if (!this.handlers.canChange()) {
      this.message(`Not now: a run is going. Stop it or let it end, then drop ${names} again.`, true);
      return;
    }
    this.message(`Reading ${names}…`, false);
    const error = await this.handlers.use(files);
    if (error === null) {
      this.message(`Using ${names}.`, false);
      this.resetButton.hidden = false;
    } else {
      this.message(`Could not use ${names}: ${error}. The data stays as it was.`, true);
    }
  }

  private async reset(): Promise<void> {
    if (!this.handlers.canChange()) {
      this.message('Not now: a run is going.', true);
      return;
    }
    await this.handlers.reset();
    this.resetButton.hidden = true;
    this.message('Back to the page\'s own data.', false);
  }
}
