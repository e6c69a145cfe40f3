/** The overview: the range's key metrics against the period before, trends, users, activity, API. */
import type { ActivitiesBody } from '../../lambdas/admin/reports/people/activity.ts';
import type { TopUsersBody } from '../../lambdas/admin/reports/people/users.ts';
import type { Summary } from '../../lambdas/admin/reports/summary.ts';
import type { EndpointUsage } from '../../lambdas/admin/reports/usage/api-usage.ts';
import type { DailyRow } from '../../lambdas/admin/reports/usage/daily-stats.ts';
import type { Metric, OverviewMetric } from '../../lambdas/admin/reports/usage/overview.ts';
import { lineChart } from '../chart.ts';
import { h, table } from '../dom.ts';
import { ago, changeText, fmt, ms, POLARITY, pct, toneOf } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { apiParams } from '../view.ts';
import { figure } from '../widgets.ts';

export interface DashboardBody {
  project: string;
  asOf: string;
  summary: Summary;
  overview: Record<OverviewMetric, Metric> & { peakUsage: { events: number[][] } };
  daily: { days: DailyRow[] };
  topUsers: TopUsersBody;
  recentActivity: ActivitiesBody;
  api: { endpoints: EndpointUsage[] };
  health: { totals: Omit<EndpointUsage, 'method' | 'endpoint'> };
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Events per weekday and UTC hour: a table whose cells are shaded by their count. */
function heatMap(events: number[][]): HTMLElement {
  const max = Math.max(1, ...events.flat());
  const hours = Array.from({ length: 24 }, (_, h) => h);
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Peak usage grid' },
    h(
      'table',
      { class: 'heatmap' },
      h('caption', { class: 'sr-only' }, 'Events per weekday and hour (UTC)'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Day'),
          ...hours.map((hr) =>
            h('th', { scope: 'col', class: 'num' }, String(hr).padStart(2, '0')),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...events.map((row, d) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, WEEKDAYS[d]),
            ...row.map((n, hr) =>
              h(
                'td',
                {
                  class: 'num heat',
                  style: `--heat:${(n / max).toFixed(3)}`,
                  title: `${WEEKDAYS[d]} ${String(hr).padStart(2, '0')}:00 UTC: ${fmt(n)} events`,
                },
                fmt(n),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

const METRICS: [key: OverviewMetric, label: string, show: (n: number | null) => string][] = [
  ['totalEvents', 'Events', fmt],
  ['activeUsers', 'Active users', fmt],
  ['newUsers', 'New users', fmt],
  ['conversations', 'Conversations', fmt],
  ['messages', 'Messages', fmt],
  ['tokens', 'Tokens', fmt],
  ['avgResponseTimeMs', 'Avg response time', ms],
  ['apiErrorRate', 'API error rate', pct],
];

/** One metric card: value, and its change coloured by whether it is good news for that metric. */
export function metricCard(
  key: OverviewMetric,
  label: string,
  m: Metric | undefined,
  show: (n: number | null) => string = fmt,
) {
  const change = m?.change;
  const tone = change === null || change === undefined ? 'neutral' : toneOf(POLARITY[key], change);
  return h(
    'div',
    { class: 'card', 'data-metric': key },
    h('h3', {}, label),
    h('p', { class: 'value' }, show(m?.value ?? null)),
    h('p', { class: `change tone-${tone}`, 'data-tone': tone }, changeText(change, tone)),
  );
}

type Grain = 'day' | 'week' | 'month';

/** Daily rows summed into weeks (from Monday) or months; active users are the busiest day's. */
export function bucketRows(days: DailyRow[], grain: Grain): { label: string; row: DailyRow }[] {
  const keyOf = (date: string) => {
    if (grain === 'day') return date;
    if (grain === 'month') return `${date.slice(0, 7)}-01`;
    const d = new Date(`${date}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    return d.toISOString().slice(0, 10);
  };
  const out = new Map<string, DailyRow>();
  for (const r of days) {
    const k = keyOf(r.date);
    const b = out.get(k);
    if (!b) out.set(k, { ...r, date: k });
    else {
      b.events += r.events;
      b.totalMessages += r.totalMessages;
      b.totalTokens += r.totalTokens;
      b.activeUsers = Math.max(b.activeUsers, r.activeUsers);
    }
  }
  return [...out.values()].map((row) => ({ label: row.date, row }));
}

function trends(days: DailyRow[]): HTMLElement {
  const holder = h('div');
  const show = (grain: Grain) => {
    const rows = bucketRows(days, grain);
    holder.replaceChildren(
      lineChart(
        `Events, messages and active users per ${grain}`,
        rows.map((r) => r.label),
        [
          { label: 'Events', values: rows.map((r) => r.row.events) },
          { label: 'Messages', values: rows.map((r) => r.row.totalMessages) },
          { label: 'Active users', values: rows.map((r) => r.row.activeUsers) },
        ],
      ),
    );
    for (const b of toggle.querySelectorAll('button'))
      b.setAttribute('aria-pressed', String(b.dataset.grain === grain));
  };
  const toggle = h(
    'div',
    { class: 'toggle', role: 'group', 'aria-label': 'Trend granularity' },
    ...(['day', 'week', 'month'] as Grain[]).map((g) =>
      h('button', { type: 'button', 'data-grain': g, onclick: () => show(g) }, g),
    ),
  );
  show('day');
  return h('div', {}, toggle, holder);
}

export const overviewPage: PageDef = {
  id: 'overview',
  title: 'Overview',
  group: 'Analytics',
  prefetch: (api, view) => api.prefetch('dashboard', apiParams(view)),
  render: async ({ api, view, signal, exportAs }) => {
    const params = apiParams(view);
    const d = await api.get<DashboardBody>('dashboard', params, signal);
    exportAs('daily-stats', params);
    const now = Date.parse(d.asOf);
    return h(
      'div',
      { 'data-project': d.project },
      h(
        'section',
        { class: 'cards', 'aria-label': 'Key metrics against the period before' },
        ...METRICS.map(([key, label, show]) => metricCard(key, label, d.overview[key], show)),
      ),
      section('Usage trends', trends(d.daily.days)),
      h(
        'div',
        { class: 'columns' },
        section(
          'Most active users',
          table(
            'Most active users',
            [
              { label: 'User', cell: (u) => u.userId },
              { label: 'Events', cell: (u) => fmt(u.events), num: true },
              { label: 'Messages', cell: (u) => fmt(u.messages), num: true },
              { label: 'Tokens', cell: (u) => fmt(u.tokens), num: true },
            ],
            d.topUsers.users,
          ),
        ),
        section(
          'Recent activity',
          d.recentActivity.activities.length
            ? h(
                'ol',
                { class: 'feed', id: 'recent' },
                ...d.recentActivity.activities.map((a) =>
                  h(
                    'li',
                    {},
                    h('span', {}, a.activityType),
                    h('span', { class: 'muted' }, a.userId ?? a.anonymousId ?? ''),
                    h('time', { datetime: a.timestamp, class: 'muted' }, ago(a.timestamp, now)),
                  ),
                ),
              )
            : h('p', { class: 'muted' }, 'No activity in the last 24 hours'),
        ),
      ),
      section('Peak usage', heatMap(d.overview.peakUsage.events)),
      section(
        'System health',
        h(
          'p',
          { class: 'muted' },
          'Latency percentiles and error rate of the API calls of the last 24 hours; below, each endpoint over the range.',
        ),
        h(
          'div',
          { class: 'cards', 'data-health': '' },
          figure('p50Ms', 'API p50', ms(d.health.totals.p50Ms)),
          figure('p95Ms', 'API p95', ms(d.health.totals.p95Ms)),
          figure('p99Ms', 'API p99', ms(d.health.totals.p99Ms)),
          figure('errorRate', 'Error rate, 24 h', pct(d.health.totals.errorRate)),
          figure('calls', 'API calls, 24 h', fmt(d.health.totals.count)),
        ),
        table(
          'API health per endpoint',
          [
            { label: 'Endpoint', cell: (e) => `${e.method} ${e.endpoint}` },
            { label: 'Calls', cell: (e) => fmt(e.count), num: true },
            { label: 'Errors', cell: (e) => fmt(e.errors), num: true },
            { label: 'Error rate', cell: (e) => pct(e.errorRate), num: true },
          ],
          d.api.endpoints,
          'No API calls tracked in this range',
        ),
      ),
    );
  },
};
