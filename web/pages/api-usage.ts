/** API usage: calls per endpoint and method, sortable, with latency percentiles and error rate. */
import type { EndpointUsage } from '../../lambdas/admin/reports/usage/api-usage.ts';
import { h } from '../dom.ts';
import { fmt, ms, pct } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { filterParams } from '../view.ts';
import { dataTable, figure, figures, filterForm } from '../widgets.ts';

/** `GET …/api-usage` (docs/api-usage-reports.md). */
export interface ApiUsageBody {
  totals: Omit<EndpointUsage, 'method' | 'endpoint'> & { endpoints: number };
  endpoints: EndpointUsage[];
}

const statuses = (s: Record<string, number>) =>
  Object.entries(s)
    .map(([code, n]) => `${code}: ${fmt(n)}`)
    .join(', ');

export const apiUsagePage: PageDef = {
  id: 'api-usage',
  title: 'API usage',
  group: 'Analytics',
  render: async ({ api, view, signal, exportAs }) => {
    const params = filterParams(view, ['endpoint', 'method']);
    const body = await api.get<ApiUsageBody>('api-usage', params, signal);
    exportAs('api-usage', params);
    const t = body.totals;
    return h(
      'div',
      {},
      filterForm(view, [
        { name: 'endpoint', label: 'Endpoint', placeholder: '/v1/users or /v1/users*' },
        { name: 'method', label: 'Method', placeholder: 'GET' },
      ]),
      figures(
        'Every endpoint that passes the filters',
        figure('count', 'Calls', fmt(t.count)),
        figure('errorRate', 'Error rate', pct(t.errorRate), `${fmt(t.errors)} errors`),
        figure('p50Ms', 'p50', ms(t.p50Ms)),
        figure('p95Ms', 'p95', ms(t.p95Ms)),
        figure('p99Ms', 'p99', ms(t.p99Ms), t.latencyExact ? 'exact' : 'within 1 %'),
      ),
      section(
        `Endpoints (${fmt(t.endpoints)})`,
        dataTable(
          'Calls per endpoint and method; the column buttons sort',
          [
            { label: 'Method', cell: (e) => e.method, sort: (e) => e.method },
            { label: 'Endpoint', cell: (e) => e.endpoint, sort: (e) => e.endpoint },
            { label: 'Calls', cell: (e) => fmt(e.count), num: true, sort: (e) => e.count },
            { label: 'Errors', cell: (e) => fmt(e.errors), num: true, sort: (e) => e.errors },
            {
              label: 'Error rate',
              cell: (e) => pct(e.errorRate),
              num: true,
              sort: (e) => e.errorRate,
            },
            { label: 'p50', cell: (e) => ms(e.p50Ms), num: true, sort: (e) => e.p50Ms },
            { label: 'p95', cell: (e) => ms(e.p95Ms), num: true, sort: (e) => e.p95Ms },
            { label: 'p99', cell: (e) => ms(e.p99Ms), num: true, sort: (e) => e.p99Ms },
            { label: 'Status codes', cell: (e) => statuses(e.status) },
          ],
          body.endpoints,
          'No API calls tracked in this range',
        ),
      ),
    );
  },
};
