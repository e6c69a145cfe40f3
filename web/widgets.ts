/**
 * The pieces the report pages share: figure cards, sortable tables, the filter form and the
 * pager, each built with `h` (values as text only) and keeping filters in the URL (view.ts).
 */
import { type Child, h } from './dom.ts';
import { navigate, readView, urlOf, type View } from './view.ts';

/** A figure card: `data-figure` names it for tests and for the reader of the markup. */
export function figure(key: string, label: string, value: string, note?: Child): HTMLElement {
  return h(
    'div',
    { class: 'card', 'data-figure': key },
    h('h3', {}, label),
    h('p', { class: 'value' }, value),
    note === undefined || note === null ? null : h('p', { class: 'change muted' }, note),
  );
}

/** A row of figure cards. */
export function figures(label: string, ...cards: HTMLElement[]): HTMLElement {
  return h('section', { class: 'cards', 'aria-label': label }, ...cards);
}

export interface Column<T> {
  label: string;
  cell: (row: T) => Child;
  num?: boolean;
  /** The value the column sorts by; without it the column does not sort. */
  sort?: (row: T) => number | string | null;
}

/**
 * A table with a row per item, `empty` when there are none; columns with `sort` get a header
 * button that sorts by them (again: the other way), announced through `aria-sort`.
 */
export function dataTable<T>(
  caption: string,
  columns: Column<T>[],
  rows: T[],
  empty = 'Nothing in this range',
): HTMLElement {
  const tbody = h('tbody');
  const heads = columns.map((c) =>
    h('th', { scope: 'col', class: c.num ? 'num' : null }, c.sort ? null : c.label),
  );
  const fillBody = (items: T[]) =>
    tbody.replaceChildren(
      ...(items.length
        ? items.map((r) =>
            h('tr', {}, ...columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(r)))),
          )
        : [h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, empty))]),
    );
  let sorted: { index: number; dir: 1 | -1 } | undefined;
  columns.forEach((c, index) => {
    const key = c.sort;
    if (!key) return;
    const th = heads[index] as HTMLElement;
    th.append(
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          onclick: () => {
            // Numbers start largest first, text A to Z; a second click turns it round.
            const dir: 1 | -1 = sorted?.index === index ? (-sorted.dir as 1 | -1) : c.num ? -1 : 1;
            sorted = { index, dir };
            for (const other of heads) other.removeAttribute('aria-sort');
            th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
            fillBody(
              [...rows].sort((a, b) => {
                const x = key(a);
                const y = key(b);
                if (x === y) return 0;
                if (x === null) return 1;
                if (y === null) return -1;
                return (x < y ? -1 : 1) * dir;
              }),
            );
          },
        },
        c.label,
      ),
    );
  });
  fillBody(rows);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, ...heads)),
      tbody,
    ),
  );
}

export interface Field {
  name: string;
  label: string;
  /** `select` with `options` ([value, label]); `checkbox` is `true` when ticked. */
  type?: 'text' | 'select' | 'checkbox';
  options?: [string, string][];
  placeholder?: string;
}

/** The `granularity` filter of a report: per day, week or month (and hour where it has one). */
export function granularityField(hour = false): Field {
  const grains = ['day', 'week', 'month', ...(hour ? ['hour'] : [])];
  return { name: 'granularity', label: 'Per', type: 'select', options: grains.map((g) => [g, g]) };
}

/** Page filters: applied on submit (or change, for selects and checkboxes), kept in the URL. */
export function filterForm(view: View, fields: Field[]): HTMLFormElement {
  const apply = () => {
    const params = new URLSearchParams();
    for (const f of fields) {
      const input = form.elements.namedItem(f.name) as HTMLInputElement | HTMLSelectElement;
      const value =
        f.type === 'checkbox'
          ? (input as HTMLInputElement).checked
            ? 'true'
            : ''
          : input.value.trim();
      if (value) params.set(f.name, value);
    }
    navigate({ params });
  };
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (e: Event) => {
        e.preventDefault();
        apply();
      },
    },
    ...fields.map((f) => {
      const id = `f-${f.name}`;
      const current = view.params.get(f.name) ?? '';
      if (f.type === 'checkbox')
        return h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'checkbox',
            id,
            name: f.name,
            checked: current === 'true',
            onchange: apply,
          }),
          f.label,
        );
      const input =
        f.type === 'select'
          ? h(
              'select',
              { id, name: f.name, onchange: apply },
              ...(f.options ?? []).map(([value, label]) =>
                h('option', { value, selected: value === current }, label),
              ),
            )
          : h('input', {
              id,
              name: f.name,
              type: 'search',
              value: current,
              placeholder: f.placeholder ?? null,
            });
      return h('label', { for: id }, f.label, input);
    }),
    fields.some((f) => !f.type || f.type === 'text')
      ? h('button', { type: 'submit' }, 'Apply')
      : null,
  );
  return form;
}

/** First / next page of a cursor-paged list (the cursor is valid for the same filters only). */
export function pager(view: View, nextCursor: string | null): HTMLElement {
  const go = (cursor: string | null) => {
    const params = new URLSearchParams(view.params);
    if (cursor) params.set('cursor', cursor);
    else params.delete('cursor');
    navigate({ params });
  };
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages of this list' },
    view.params.has('cursor')
      ? h('button', { type: 'button', 'data-page': 'first', onclick: () => go(null) }, 'First page')
      : null,
    nextCursor
      ? h(
          'button',
          { type: 'button', 'data-page': 'next', onclick: () => go(nextCursor) },
          'Next page',
        )
      : h('span', { class: 'muted' }, 'End of the list'),
  );
}

/** A link to a view of another page (or the same page with other filters), kept in the URL. */
export function viewLink(page: string, params: Record<string, string>, text: Child): HTMLElement {
  const q = new URLSearchParams(params);
  return h(
    'a',
    {
      href: urlOf({ ...readView(), page, params: q }),
      onclick: (e: Event) => {
        e.preventDefault();
        navigate({ page, params: q });
      },
    },
    text,
  );
}

/** A row of buttons choosing one value of a filter (`aria-pressed` on the chosen), kept in the URL. */
export function choice(
  view: View,
  name: string,
  label: string,
  options: [value: string, text: string][],
): HTMLElement {
  const current = view.params.get(name) ?? options[0]?.[0];
  return h(
    'div',
    { class: 'toggle', role: 'group', 'aria-label': label, 'data-choice': name },
    ...options.map(([value, text]) =>
      h(
        'button',
        {
          type: 'button',
          'data-value': value,
          'aria-pressed': String(value === current),
          onclick: () => {
            const params = new URLSearchParams(view.params);
            params.set(name, value);
            params.delete('cursor');
            navigate({ params });
          },
        },
        text,
      ),
    ),
  );
}
