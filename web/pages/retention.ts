/** Retention: cohorts of first-seen users by day or week, and the share back in each later period. */
import type { Cohort, RetentionResponse } from '../../lambdas/admin/reports/product/types.ts';
import { h } from '../dom.ts';
import { fmt, pct } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { filterParams } from '../view.ts';
import { choice, figure, figures } from '../widgets.ts';

/** A cell of the grid: the rate as text, shaded by it (the `--heat` of the peak-hours grid). */
function rateCell(users: number | undefined, rate: number | null | undefined): HTMLElement {
  if (users === undefined) return h('td', { class: 'num muted' }, '');
  return h(
    'td',
    {
      class: 'num heat',
      style: `--heat:${(rate ?? 0).toFixed(3)}`,
      title: `${fmt(users)} users`,
    },
    pct(rate),
  );
}

function grid(body: RetentionResponse): HTMLElement {
  const width = Math.max(0, ...body.average.map((a) => a.period + 1));
  const periods = Array.from({ length: width }, (_, k) => k);
  const unit = body.cohort === 'week' ? 'Week' : 'Day';
  const row = (c: Cohort) =>
    h(
      'tr',
      { 'data-cohort': c.cohort },
      h('th', { scope: 'row' }, c.cohort),
      h('td', { class: 'num' }, fmt(c.size)),
      ...periods.map((k) => {
        const p = c.periods.find((x) => x.period === k);
        return rateCell(p?.users, p?.rate);
      }),
    );
  // A month of day cohorts is wider than the page: the box scrolls, so it takes the focus too.
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Cohort grid' },
    h(
      'table',
      { class: 'cohorts' },
      h('caption', { class: 'sr-only' }, `Retention per ${body.cohort} cohort`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Cohort'),
          h('th', { scope: 'col', class: 'num' }, 'Users'),
          ...periods.map((k) => h('th', { scope: 'col', class: 'num' }, `${unit} ${k}`)),
        ),
      ),
      h(
        'tbody',
        {},
        body.cohorts.length
          ? body.cohorts.map(row)
          : h(
              'tr',
              {},
              h('td', { colspan: width + 2, class: 'muted' }, 'No user first seen in this range'),
            ),
      ),
      body.average.length
        ? h(
            'tfoot',
            {},
            h(
              'tr',
              { 'data-cohort': 'average' },
              h('th', { scope: 'row' }, 'All cohorts'),
              h('td', { class: 'num' }, fmt(body.average[0]?.size ?? 0)),
              ...periods.map((k) => {
                const a = body.average.find((x) => x.period === k);
                return rateCell(a?.users, a?.rate);
              }),
            ),
          )
        : null,
    ),
  );
}

export const retentionPage: PageDef = {
  id: 'retention',
  title: 'Retention',
  group: 'Product',
  render: async ({ api, view, signal, exportAs }) => {
    const params = filterParams(view, ['cohort', 'mode']);
    const body = await api.get<RetentionResponse>('retention', params, signal);
    exportAs('retention', params);
    const users = body.cohorts.reduce((n, c) => n + c.size, 0);
    const one = body.average.find((a) => a.period === 1);
    return h(
      'div',
      {},
      h(
        'div',
        { class: 'filters' },
        choice(view, 'cohort', 'Cohorts by', [
          ['day', 'By day'],
          ['week', 'By week'],
        ]),
        choice(view, 'mode', 'Counted when', [
          ['on', 'On the period'],
          ['on_or_after', 'On or after'],
        ]),
      ),
      figures(
        'Cohorts of the range',
        figure('users', 'New users', fmt(users)),
        figure('cohorts', 'Cohorts', fmt(body.cohorts.length)),
        figure('period1', `Back the next ${body.cohort}`, pct(one?.rate)),
      ),
      h(
        'p',
        { class: 'muted' },
        body.mode === 'on'
          ? `A user counts in a ${body.cohort} when they had an event in that ${body.cohort} itself.`
          : `A user counts in a ${body.cohort} when they had an event in it or any later ${body.cohort} of the range.`,
      ),
      section(`Retention per ${body.cohort} cohort`, grid(body)),
    );
  },
};
