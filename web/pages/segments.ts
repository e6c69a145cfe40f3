/** User segments: each segment's size, share and engagement, and a segment's members, paged. */
import type { SegmentsResponse } from '../../lambdas/admin/reports/product/types.ts';
import { SEGMENTS } from '../../lambdas/model/segments.ts';
import { h } from '../dom.ts';
import { fmt, pct } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { filterParams } from '../view.ts';
import { dataTable, figure, figures, filterForm, pager, viewLink } from '../widgets.ts';

const score = (n: number | null) => (n === null ? '–' : n.toFixed(1));

export const segmentsPage: PageDef = {
  id: 'segments',
  title: 'User segments',
  group: 'Product',
  render: async ({ api, view, signal, exportAs }) => {
    const chosen = view.params.get('segment');
    // 50 members a page unless the URL says otherwise (`limit`, at most 500).
    const params = filterParams(
      view,
      ['segment', 'cursor', 'limit'],
      chosen ? { limit: '50' } : {},
    );
    const body = await api.get<SegmentsResponse>('user-segments', params, signal);
    exportAs('user-segments', params);
    const members = body.members;
    return h(
      'div',
      {},
      filterForm(view, [
        {
          name: 'segment',
          label: 'Members of',
          type: 'select',
          options: [['', 'no segment'], ...SEGMENTS.map((s): [string, string] => [s, s])],
        },
      ]),
      figures(
        'Users of the range and the period before',
        figure('users', 'Users', fmt(body.users)),
        figure('recentFrom', 'Recent window from', body.rules.recentFrom),
        figure('powerDays', 'Active days of a power user', fmt(body.rules.powerDays)),
      ),
      section(
        'Segments',
        dataTable(
          'Segments of the users',
          [
            {
              label: 'Segment',
              cell: (s) => viewLink('segments', { segment: s.name }, s.name),
              sort: (s) => s.name,
            },
            { label: 'Rule', cell: (s) => s.rule },
            { label: 'Users', cell: (s) => fmt(s.size), num: true, sort: (s) => s.size },
            { label: 'Share', cell: (s) => pct(s.share), num: true, sort: (s) => s.share },
            {
              label: 'Engagement',
              cell: (s) => score(s.engagement),
              num: true,
              sort: (s) => s.engagement,
            },
          ],
          body.segments,
          'No user in this range',
        ),
      ),
      members
        ? section(
            `Members: ${members.segment}`,
            dataTable(
              `Members of ${members.segment}, most engaged first`,
              [
                {
                  label: 'User',
                  cell: (m) =>
                    m.actor.startsWith('anon:')
                      ? m.actor
                      : viewLink('users', { user: m.actor }, m.actor),
                },
                { label: 'Active days', cell: (m) => fmt(m.activeDays), num: true },
                { label: 'Events', cell: (m) => fmt(m.events), num: true },
                { label: 'First seen', cell: (m) => m.firstSeen },
                { label: 'Last seen', cell: (m) => m.lastSeen },
                { label: 'Engagement', cell: (m) => score(m.engagement), num: true },
              ],
              members.users,
              'No user in this segment',
            ),
            pager(view, members.nextCursor),
          )
        : null,
    );
  },
};
