/** Agents, channels and workflows: resources ranked by messages, with their figures. */
import type { TopResourcesBody } from '../../lambdas/admin/reports/people/resources.ts';
import { h } from '../dom.ts';
import { fmt, ms, pct } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { filterParams } from '../view.ts';
import { dataTable, filterForm } from '../widgets.ts';

export const resourcesPage: PageDef = {
  id: 'resources',
  title: 'Agents & channels',
  group: 'Analytics',
  render: async ({ api, view, signal, exportAs }) => {
    const params = filterParams(view, ['type'], { limit: '100' });
    const body = await api.get<TopResourcesBody>('resources/top', params, signal);
    exportAs('resources/top', params);
    return h(
      'div',
      {},
      filterForm(view, [
        {
          name: 'type',
          label: 'Kind',
          type: 'select',
          options: [
            ['', 'all'],
            ['agent', 'agents'],
            ['channel', 'channels'],
            ['workflow', 'workflows'],
          ],
        },
      ]),
      section(
        `Resources (${fmt(body.totalResources)})`,
        dataTable(
          'Resources ranked by messages',
          [
            { label: 'Kind', cell: (r) => r.type, sort: (r) => r.type },
            { label: 'Id', cell: (r) => r.id, sort: (r) => r.id },
            { label: 'Events', cell: (r) => fmt(r.events), num: true, sort: (r) => r.events },
            {
              label: 'Conversations',
              cell: (r) => fmt(r.conversations),
              num: true,
              sort: (r) => r.conversations,
            },
            { label: 'Messages', cell: (r) => fmt(r.messages), num: true, sort: (r) => r.messages },
            { label: 'Tokens', cell: (r) => fmt(r.tokens), num: true, sort: (r) => r.tokens },
            {
              label: 'Avg response',
              cell: (r) => ms(r.avgResponseTimeMs),
              num: true,
              sort: (r) => r.avgResponseTimeMs,
            },
            {
              label: 'Error rate',
              cell: (r) => pct(r.errorRate),
              num: true,
              sort: (r) => r.errorRate,
            },
            {
              label: 'Satisfaction',
              cell: (r) => fmt(r.satisfaction),
              num: true,
              sort: (r) => r.satisfaction,
            },
          ],
          body.resources,
          'No agent, channel or workflow in this range',
        ),
      ),
    );
  },
};
