/**
 * Elements built from text nodes and attributes only: no value ever reaches `innerHTML`, so user
 * ids, event names and every other figure from the API are shown as text, never parsed as markup.
 */
export type Child = Node | string | number | null | undefined | false;
type Attr = string | number | boolean | null | undefined | EventListener;

/** `h('td', { class: 'num' }, text)`: attributes set with setAttribute, `on…` as listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (strings as text nodes). */
export function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el: ParentNode, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** One table with a header row and a row per item; `empty` when there are none. */
export function table<T>(
  caption: string,
  columns: { label: string; cell: (row: T) => Child; num?: boolean }[],
  rows: T[],
  empty = 'Nothing in this range',
): HTMLElement {
  const body = rows.length
    ? rows.map((r) =>
        h('tr', {}, ...columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(r)))),
      )
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, empty))];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)),
        ),
      ),
      h('tbody', {}, ...body),
    ),
  );
}
