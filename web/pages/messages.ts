/** Messages: volume per period, peak hours, response-time percentiles, roles, models, sentiment and intent. */
import type {
  ChannelInsights,
  InsightTotals,
  MessageInsight,
} from '../../lambdas/admin/reports/insights/aggregate.ts';
import type { SeriesPoint } from '../../lambdas/admin/reports/usage/messages.ts';
import { lineChart } from '../chart.ts';
import { h } from '../dom.ts';
import { fmt, ms } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { apiParams } from '../view.ts';
import { dataTable, figure, figures, filterForm, granularityField } from '../widgets.ts';

/** `GET …/messages` (docs/api-usage-reports.md). */
export interface MessagesBody {
  total: number;
  granularity: string;
  series: SeriesPoint[];
  peakHours: { byHour: number[]; top: { hour: number; messages: number }[] };
  responseTimeMs: {
    count: number;
    avg: number | null;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    exact: boolean;
  };
  byRole: { role: string; messages: number }[];
  byModel: { model: string; messages: number; tokens: number }[];
}

/** `GET …/messages/insights` (docs/api-insights-and-metrics.md). */
export interface InsightsBody {
  provider: string;
  messages: MessageInsight[];
  channels: ChannelInsights[];
  totals: InsightTotals;
  nextCursor: string | null;
}

const LABELS = ['positive', 'neutral', 'mixed', 'negative', 'unknown'] as const;

/** Sentiment counts and intents of a page of scored messages. */
export function insightsSection(body: InsightsBody, title: string): HTMLElement {
  const t = body.totals;
  return section(
    title,
    h(
      'p',
      { class: 'muted' },
      `Over the ${fmt(t.messages)} most recent messages${body.nextCursor ? ' (of more)' : ''}, scored by ${body.provider}. Average score ${t.averageScore === null ? '–' : String(t.averageScore)}.`,
    ),
    h(
      'div',
      { class: 'columns' },
      dataTable(
        'Messages per sentiment',
        [
          { label: 'Sentiment', cell: (r) => r[0] },
          { label: 'Messages', cell: (r) => fmt(r[1]), num: true },
        ],
        LABELS.map((l) => [l, t.sentiment[l] ?? 0] as [string, number]),
      ),
      dataTable(
        'Messages per intent',
        [
          { label: 'Intent', cell: (r) => r[0] },
          { label: 'Messages', cell: (r) => fmt(r[1]), num: true },
        ],
        Object.entries(t.intents),
        'No message in this range',
      ),
    ),
  );
}

/** Messages per UTC hour of day as a row of shaded cells, each with its count as text. */
function hours(byHour: number[]): HTMLElement {
  const max = Math.max(1, ...byHour);
  return h(
    'ol',
    { class: 'hours', 'aria-label': 'Messages per hour of day (UTC)' },
    ...byHour.map((n, hour) =>
      h(
        'li',
        {
          style: `--heat:${(n / max).toFixed(3)}`,
          title: `${String(hour).padStart(2, '0')}:00 UTC: ${n} messages`,
        },
        h('span', { class: 'hour' }, String(hour).padStart(2, '0')),
        h('span', { class: 'count' }, fmt(n)),
      ),
    ),
  );
}

export const messagesPage: PageDef = {
  id: 'messages',
  title: 'Messages',
  group: 'Analytics',
  render: async ({ api, view, signal, exportAs }) => {
    const granularity = view.params.get('granularity') ?? 'day';
    const params = apiParams(view, { granularity });
    const [m, insights] = await Promise.all([
      api.get<MessagesBody>('messages', params, signal),
      api.get<InsightsBody>('messages/insights', apiParams(view, { limit: '200' }), signal),
    ]);
    exportAs('messages', params);
    const rt = m.responseTimeMs;
    return h(
      'div',
      {},
      filterForm(view, [granularityField()]),
      figures(
        'Messages and response times in the range',
        figure('total', 'Messages', fmt(m.total)),
        figure('avg', 'Avg response', ms(rt.avg)),
        figure('p50', 'p50 response', ms(rt.p50)),
        figure('p95', 'p95 response', ms(rt.p95)),
        figure('p99', 'p99 response', ms(rt.p99), rt.exact ? 'exact' : 'within 1 %'),
      ),
      section(
        `Messages per ${m.granularity}`,
        lineChart(
          `Messages and tokens per ${m.granularity}`,
          m.series.map((p) => p.from),
          [
            { label: 'Messages', values: m.series.map((p) => p.messages) },
            { label: 'Tokens', values: m.series.map((p) => p.tokens) },
          ],
        ),
        dataTable(
          `Messages per ${m.granularity}`,
          [
            { label: 'Period', cell: (p) => p.period },
            { label: 'Messages', cell: (p) => fmt(p.messages), num: true },
            { label: 'Tokens', cell: (p) => fmt(p.tokens), num: true },
          ],
          m.series,
        ),
      ),
      section('Peak hours (UTC)', hours(m.peakHours.byHour)),
      h(
        'div',
        { class: 'columns' },
        section(
          'By model',
          dataTable(
            'Messages by model',
            [
              { label: 'Model', cell: (r) => r.model },
              { label: 'Messages', cell: (r) => fmt(r.messages), num: true },
              { label: 'Tokens', cell: (r) => fmt(r.tokens), num: true },
            ],
            m.byModel,
          ),
        ),
        section(
          'By role',
          dataTable(
            'Messages by role',
            [
              { label: 'Role', cell: (r) => r.role },
              { label: 'Messages', cell: (r) => fmt(r.messages), num: true },
            ],
            m.byRole,
          ),
        ),
      ),
      insightsSection(insights, 'Sentiment and intent'),
    );
  },
};
