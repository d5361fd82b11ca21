/**
 * A small helper to build DOM elements: `h('button', { class: 'run', onclick }, 'Run')`.
 * @module
 */

type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;
type Child = Node | string | null | undefined | false;

/** An element with attributes (`on*` functions become listeners, `false`/null ones are left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A button that downloads `text()` as the file `name` (through a Blob URL made when pressed). */
export function downloadButton(label: string, name: string, type: string, text: () => string, attrs: Attrs = {}): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'download', ...attrs }, label);
  button.addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([text()], { type }));
    const link = h('a', { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  return button;
}
