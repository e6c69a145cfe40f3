/** Users: the list (all known, or active in the range with figures), search, and one user's page. */
import type { ActivitiesBody } from '../../lambdas/admin/reports/people/activity.ts';
import type { UserRow } from '../../lambdas/admin/reports/people/compute.ts';
import type {
  ProfileRow,
  TopUsersBody,
  UserListBody,
} from '../../lambdas/admin/reports/people/users.ts';
import type { SegmentName } from '../../lambdas/model/segments.ts';
import { h } from '../dom.ts';
import { dateTime, fmt } from '../format.ts';
import { type PageContext, type PageDef, section } from '../page.ts';
import { apiParams, filterParams } from '../view.ts';
import { dataTable, figure, figures, filterForm, pager, viewLink } from '../widgets.ts';

/** A row asked for with `segments=true` (docs/api-people-reports.md): its user's segment. */
type Segmented<R> = R & { segment?: SegmentName | null };

const isActive = (u: UserRow | ProfileRow): u is UserRow => 'events' in u;

/** The segment as text, or (`link`) as a link to its members on the segments page. */
const segmentCell = (u: Segmented<UserRow | ProfileRow>, link: boolean) =>
  !u.segment ? '–' : link ? viewLink('segments', { segment: u.segment }, u.segment) : u.segment;

/** One user's figures over the range (from the ranking, which covers every active user) and timeline. */
async function userPage({ api, view, signal, exportAs }: PageContext, userId: string) {
  const timelineParams = filterParams(view, ['cursor'], { user_id: userId, limit: '50' });
  const [top, timeline] = await Promise.all([
    api.get<TopUsersBody>('users/top', apiParams(view, { limit: '500', segments: 'true' }), signal),
    api.get<ActivitiesBody>('users/activities', timelineParams, signal),
  ]);
  exportAs('users/activities', timelineParams);
  const me: Segmented<UserRow> | undefined = top.users.find((u) => u.userId === userId);
  return h(
    'div',
    { 'data-user': userId },
    h('p', {}, viewLink('users', {}, '← All users')),
    h('h2', { class: 'subject' }, userId),
    figures(
      'Figures of this user in the range',
      figure('events', 'Events', fmt(me?.events ?? 0)),
      figure('messages', 'Messages', fmt(me?.messages ?? 0)),
      figure('tokens', 'Tokens', fmt(me?.tokens ?? 0)),
      figure('firstSeen', 'First seen in range', me ? dateTime(me.firstSeen) : '–'),
      figure('lastSeen', 'Last seen in range', me ? dateTime(me.lastSeen) : '–'),
      figure(
        'segment',
        'Segment',
        me?.segment ?? '–',
        me?.segment ? viewLink('segments', { segment: me.segment }, 'Its members') : null,
      ),
    ),
    section(
      'Timeline',
      dataTable(
        `Activity of ${userId}, newest first`,
        [
          { label: 'When', cell: (a) => dateTime(a.timestamp) },
          { label: 'Activity', cell: (a) => a.activityType },
          { label: 'Type', cell: (a) => a.type },
        ],
        timeline.activities,
        'No activity in this range',
      ),
      pager(view, timeline.nextCursor),
    ),
  );
}

export const usersPage: PageDef = {
  id: 'users',
  title: 'Users',
  group: 'Analytics',
  render: async (ctx) => {
    const { api, view, signal, exportAs } = ctx;
    const user = view.params.get('user');
    if (user) return userPage(ctx, user);
    const active = view.params.get('active_only') === 'true';
    const params = filterParams(view, ['cursor', 'q'], {
      active_only: String(active),
      limit: '100',
      segments: 'true',
    });
    const body = await api.get<UserListBody>('users/list', params, signal);
    exportAs('users/list', params);
    // The API searches every user (`q`), not only this page's.
    const search = view.params.get('q') ?? '';
    const link = (u: UserRow | ProfileRow) => viewLink('users', { user: u.userId }, u.userId);
    const list = active
      ? dataTable(
          'Users active in the range',
          [
            { label: 'User', cell: link, sort: (u) => u.userId },
            { label: 'Events', cell: (u) => fmt(u.events), num: true, sort: (u) => u.events },
            { label: 'Messages', cell: (u) => fmt(u.messages), num: true, sort: (u) => u.messages },
            { label: 'Tokens', cell: (u) => fmt(u.tokens), num: true, sort: (u) => u.tokens },
            { label: 'Last seen', cell: (u) => dateTime(u.lastSeen), sort: (u) => u.lastSeen },
            {
              label: 'Segment',
              cell: (u: Segmented<UserRow>) => segmentCell(u, true),
              sort: (u: Segmented<UserRow>) => u.segment ?? null,
            },
          ],
          body.users.filter(isActive),
          search ? 'No active user matches' : 'No user was active in this range',
        )
      : dataTable(
          'Every known user',
          [
            { label: 'User', cell: link, sort: (u) => u.userId },
            {
              label: 'First seen',
              cell: (u) => (u.firstSeen ? dateTime(u.firstSeen) : '–'),
              sort: (u) => u.firstSeen,
            },
            {
              label: 'Traits',
              cell: (u) =>
                u.traits
                  ? Object.entries(u.traits)
                      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
                      .join(', ')
                  : '–',
            },
            {
              // The profile list has no range: its segments are over the last 30 days.
              label: 'Segment (30 days)',
              cell: (u: Segmented<ProfileRow>) => segmentCell(u, false),
              sort: (u: Segmented<ProfileRow>) => u.segment ?? null,
            },
          ],
          body.users.filter((u): u is ProfileRow => !isActive(u)),
          search ? 'No user matches' : 'No user yet',
        );
    return h(
      'div',
      {},
      filterForm(view, [
        { name: 'q', label: 'Search', placeholder: 'user id' },
        { name: 'active_only', label: 'Active in the range only', type: 'checkbox' },
      ]),
      h(
        'p',
        { class: 'muted' },
        active
          ? 'Users with events in the range, with their figures.'
          : 'Every user the project has seen, whatever the range.',
        search ? ` Showing the users whose id contains “${search}”.` : '',
      ),
      section(active ? 'Active users' : 'All users', list, pager(view, body.nextCursor)),
    );
  },
};
