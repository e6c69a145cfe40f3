/** Feature adoption: per declared feature, usage, users, adoption rate and its trend. */
import type { FeatureAdoptionResponse } from '../../lambdas/admin/reports/product/types.ts';
import { h } from '../dom.ts';
import { changeText, fmt, pct, toneOf } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { apiParams } from '../view.ts';
import { dataTable, figure, figures } from '../widgets.ts';

const ARROW = { up: '▲ up', down: '▼ down', stable: '● stable' } as const;

export const featureAdoptionPage: PageDef = {
  id: 'feature-adoption',
  title: 'Feature adoption',
  group: 'Product',
  render: async ({ api, view, signal, exportAs }) => {
    const params = apiParams(view);
    const body = await api.get<FeatureAdoptionResponse>('feature-adoption', params, signal);
    exportAs('feature-adoption', params);
    return h(
      'div',
      {},
      figures(
        'Active users',
        figure('activeUsers', 'Active users', fmt(body.activeUsers)),
        figure('previousActiveUsers', 'Period before', fmt(body.previousActiveUsers)),
      ),
      body.defaults
        ? h(
            'p',
            { class: 'muted' },
            'The project declares no features yet: these are the defaults (POST …/feature-adoption/features declares yours).',
          )
        : null,
      section(
        'Features',
        dataTable(
          'Adoption per feature',
          [
            { label: 'Feature', cell: (f) => f.name, sort: (f) => f.name },
            { label: 'Event', cell: (f) => h('code', {}, f.event) },
            { label: 'Uses', cell: (f) => fmt(f.usage), num: true, sort: (f) => f.usage },
            {
              label: 'Users',
              cell: (f) => fmt(f.uniqueUsers),
              num: true,
              sort: (f) => f.uniqueUsers,
            },
            {
              label: 'Adoption',
              cell: (f) => pct(f.adoptionRate),
              num: true,
              sort: (f) => f.adoptionRate,
            },
            { label: 'Before', cell: (f) => pct(f.previous.adoptionRate), num: true },
            {
              label: 'Change',
              cell: (f) => {
                const tone = f.change === null ? 'neutral' : toneOf('higher', f.change);
                return h('span', { class: `tone-${tone}` }, changeText(f.change, tone));
              },
              num: true,
              sort: (f) => f.change,
            },
            { label: 'Trend', cell: (f) => ARROW[f.trend] },
          ],
          body.features,
          'No feature declared',
        ),
      ),
    );
  },
};
