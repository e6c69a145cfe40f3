/**
 * Web traffic: page views, visitors, sessions, bounce rate, session duration and the visitors of
 * the last 5 minutes; the totals per day as a chart; and one table at a time (`table=`: pages,
 * entry and exit pages, referrers, UTM tags, browsers, OS, devices, days), the one the export
 * downloads. Paths, referrers and UTM values come from whoever sends page views: text only.
 */
import type {
  Breakdown,
  WebTable,
  WebTrafficResponse,
} from '../../lambdas/admin/reports/product/web-traffic.ts';
import { lineChart } from '../chart.ts';
import { h } from '../dom.ts';
import { duration, fmt, pct } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { filterParams } from '../view.ts';
import { type Column, choice, dataTable, figure, figures } from '../widgets.ts';

type PageRow = WebTrafficResponse['pages'][number];
type DayRow = WebTrafficResponse['daily'][number];

/** The tables, in the order of the toggle, with the heading of their first column. */
const TABLES: Record<WebTable, { label: string; first: string }> = {
  pages: { label: 'Top pages', first: 'Path' },
  entryPages: { label: 'Entry pages', first: 'Path' },
  exitPages: { label: 'Exit pages', first: 'Path' },
  referrers: { label: 'Referrers', first: 'Referrer host' },
  utmSources: { label: 'UTM source', first: 'Source' },
  utmMediums: { label: 'UTM medium', first: 'Medium' },
  utmCampaigns: { label: 'UTM campaign', first: 'Campaign' },
  browsers: { label: 'Browsers', first: 'Browser' },
  operatingSystems: { label: 'OS', first: 'Operating system' },
  devices: { label: 'Devices', first: 'Device' },
  daily: { label: 'Per day', first: 'Day' },
};

/** The API's bounce rate is a percentage (0–100); `pct` takes a share. */
const percent = (n: number | null) => pct(n === null ? null : n / 100);
const seconds = (s: number | null) => duration(s === null ? null : s * 1000);

const pageColumns = (first: string): Column<PageRow>[] => [
  { label: first, cell: (p) => p.path, sort: (p) => p.path },
  { label: 'Views', cell: (p) => fmt(p.views), num: true, sort: (p) => p.views },
  { label: 'Visitors', cell: (p) => fmt(p.visitors), num: true, sort: (p) => p.visitors },
  { label: 'Entries', cell: (p) => fmt(p.entries), num: true, sort: (p) => p.entries },
  { label: 'Exits', cell: (p) => fmt(p.exits), num: true, sort: (p) => p.exits },
];

const breakdownColumns = (first: string): Column<Breakdown>[] => [
  { label: first, cell: (b) => b.value, sort: (b) => b.value },
  { label: 'Visitors', cell: (b) => fmt(b.visitors), num: true, sort: (b) => b.visitors },
  { label: 'Sessions', cell: (b) => fmt(b.sessions), num: true, sort: (b) => b.sessions },
];

const dayColumns: Column<DayRow>[] = [
  { label: 'Day', cell: (d) => d.day },
  { label: 'Page views', cell: (d) => fmt(d.pageViews), num: true },
  { label: 'Visitors', cell: (d) => fmt(d.visitors), num: true },
  { label: 'Sessions', cell: (d) => fmt(d.sessions), num: true },
  { label: 'Bounce rate', cell: (d) => percent(d.bounceRate), num: true },
  { label: 'Session duration', cell: (d) => seconds(d.avgSessionDurationSeconds), num: true },
];

function tableOf(t: WebTrafficResponse, table: WebTable): HTMLElement {
  const { label, first } = TABLES[table];
  const empty = 'No page views in this range';
  if (table === 'daily') return dataTable(`${label}: the totals`, dayColumns, t.daily, empty);
  if (table === 'pages' || table === 'entryPages' || table === 'exitPages')
    return dataTable(`${label} by views, entries or exits`, pageColumns(first), t[table], empty);
  return dataTable(`${label}: visitors and sessions`, breakdownColumns(first), t[table], empty);
}

export const webTrafficPage: PageDef = {
  id: 'web-traffic',
  title: 'Web traffic',
  group: 'Product',
  render: async ({ api, view, signal, exportAs }) => {
    const asked = view.params.get('table') ?? '';
    const table = (asked in TABLES ? asked : 'pages') as WebTable;
    const params = filterParams(view, ['limit'], { table });
    const t = await api.get<WebTrafficResponse>('web-traffic', params, signal);
    exportAs('web-traffic', params);
    return h(
      'div',
      {},
      figures(
        'Web traffic of the range',
        figure('pageViews', 'Page views', fmt(t.pageViews)),
        figure('visitors', 'Unique visitors', fmt(t.visitors)),
        figure(
          'sessions',
          'Sessions',
          fmt(t.sessions),
          t.viewsPerSession === null
            ? null
            : `${fmt(Math.round(t.viewsPerSession * 100) / 100)} page views each`,
        ),
        figure('bounceRate', 'Bounce rate', percent(t.bounceRate), `${fmt(t.bounces)} bounces`),
        figure('sessionDuration', 'Session duration (mean)', seconds(t.avgSessionDurationSeconds)),
        figure('liveVisitors', 'Visitors, last 5 minutes', fmt(t.liveVisitors)),
      ),
      section(
        'Per day',
        lineChart(
          'Page views, visitors and sessions per day',
          t.daily.map((d) => d.day),
          [
            { label: 'Page views', values: t.daily.map((d) => d.pageViews) },
            { label: 'Visitors', values: t.daily.map((d) => d.visitors) },
            { label: 'Sessions', values: t.daily.map((d) => d.sessions) },
          ],
        ),
      ),
      section(
        'Breakdown',
        choice(
          view,
          'table',
          'Table to show and export',
          Object.entries(TABLES).map(([value, { label }]): [string, string] => [value, label]),
        ),
        h('div', { 'data-table': table }, tableOf(t, table)),
      ),
    );
  },
};
