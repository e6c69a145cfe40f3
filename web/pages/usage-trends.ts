/** Usage trends: DAU/WAU/MAU and stickiness, and every usage figure per period against the period before. */
import type {
  Compared,
  TrendMetric,
  UsageTrendsResponse,
} from '../../lambdas/admin/reports/product/types.ts';
import { lineChart } from '../chart.ts';
import { h } from '../dom.ts';
import { changeText, fmt, type Polarity, pct, toneOf } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { filterParams } from '../view.ts';
import { dataTable, figures, filterForm, granularityField } from '../widgets.ts';

/** Which way is good news for each trend metric (as POLARITY for the overview's). */
const TREND_POLARITY: Record<TrendMetric, Polarity> = {
  activeUsers: 'higher',
  newUsers: 'higher',
  events: 'higher',
  pageViews: 'higher',
  messages: 'higher',
  tokens: 'neutral',
  errors: 'lower',
  conversations: 'higher',
  apiCalls: 'neutral',
  apiErrors: 'lower',
};

const LABELS: Record<TrendMetric, string> = {
  activeUsers: 'Active users',
  newUsers: 'New users',
  events: 'Events',
  pageViews: 'Page views',
  messages: 'Messages',
  tokens: 'Tokens',
  errors: 'Errors',
  conversations: 'Conversations',
  apiCalls: 'API calls',
  apiErrors: 'API errors',
};

/** A figure with its change, coloured by whether the change is good news. */
export function comparedCard(
  key: string,
  label: string,
  value: string,
  change: number | null,
  polarity: Polarity,
): HTMLElement {
  const tone = change === null ? 'neutral' : toneOf(polarity, change);
  return h(
    'div',
    { class: 'card', 'data-figure': key },
    h('h3', {}, label),
    h('p', { class: 'value' }, value),
    h('p', { class: `change tone-${tone}`, 'data-tone': tone }, changeText(change, tone)),
  );
}

const num = (n: number | null | undefined) => fmt(n);

export const usageTrendsPage: PageDef = {
  id: 'usage-trends',
  title: 'Usage trends',
  group: 'Product',
  render: async ({ api, view, signal, exportAs }) => {
    const params = filterParams(view, ['granularity', 'event']);
    const t = await api.get<UsageTrendsResponse>('usage-trends', params, signal);
    exportAs('usage-trends', params);
    const a = t.activeUsers;
    const totals = t.totals as Record<string, Compared | undefined>;
    const metrics = Object.keys(LABELS) as TrendMetric[];
    return h(
      'div',
      {},
      filterForm(view, [
        granularityField(true),
        { name: 'event', label: 'Event', placeholder: 'an event name to follow' },
      ]),
      figures(
        'Active users against the period before',
        comparedCard('dau', 'DAU (mean)', fmt(a.dau), a.change.dau, 'higher'),
        comparedCard('wau', 'WAU', fmt(a.wau), a.change.wau, 'higher'),
        comparedCard('mau', 'MAU', fmt(a.mau), a.change.mau, 'higher'),
        comparedCard('stickiness', 'Stickiness', pct(a.stickiness), a.change.stickiness, 'higher'),
      ),
      section(
        'Active users per day',
        lineChart(
          'DAU, WAU and MAU per day',
          t.daily.map((d) => d.date),
          [
            { label: 'DAU', values: t.daily.map((d) => d.dau) },
            { label: 'WAU', values: t.daily.map((d) => d.wau) },
            { label: 'MAU', values: t.daily.map((d) => d.mau) },
          ],
        ),
      ),
      figures(
        'Totals of the range against the period before',
        ...metrics.map((m) => {
          const c = totals[m];
          return comparedCard(
            `total-${m}`,
            LABELS[m],
            fmt(c?.value),
            c?.change ?? null,
            TREND_POLARITY[m],
          );
        }),
        ...(t.event && totals.eventCount
          ? [
              comparedCard(
                'total-eventCount',
                t.event,
                fmt(totals.eventCount.value),
                totals.eventCount.change,
                'higher',
              ),
            ]
          : []),
      ),
      section(
        `Per ${t.granularity}`,
        dataTable(
          `Usage per ${t.granularity}`,
          [
            { label: 'Period', cell: (p) => p.period },
            { label: 'Active users', cell: (p) => num(p.activeUsers), num: true },
            { label: 'New users', cell: (p) => num(p.newUsers), num: true },
            { label: 'Events', cell: (p) => num(p.events), num: true },
            { label: 'Page views', cell: (p) => num(p.pageViews), num: true },
            { label: 'Messages', cell: (p) => num(p.messages), num: true },
            { label: 'Tokens', cell: (p) => num(p.tokens), num: true },
            { label: 'Errors', cell: (p) => num(p.errors), num: true },
            ...(t.event
              ? [
                  {
                    label: t.event,
                    cell: (p: (typeof t.series)[number]) => num(p.eventCount),
                    num: true,
                  },
                ]
              : []),
          ],
          t.series,
        ),
      ),
    );
  },
};
