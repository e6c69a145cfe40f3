/** The events explorer: raw events, newest first, filtered by type, name and user, paged. */
import type { EventsBody } from '../../lambdas/admin/reports/people/activity.ts';
import type { TallyEvent } from '../../lambdas/model/events.ts';
import { h } from '../dom.ts';
import { dateTime } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { filterParams } from '../view.ts';
import { dataTable, filterForm, pager, viewLink } from '../widgets.ts';

const TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'];

/** The event's name (track event, or page/screen name), else its type. */
const nameOf = (e: TallyEvent) => e.event ?? e.name ?? '';

/** The whole stored event, as text, behind a disclosure. */
const details = (e: TallyEvent) =>
  h(
    'details',
    {},
    h('summary', {}, 'Properties'),
    h(
      'pre',
      {},
      JSON.stringify({ properties: e.properties, traits: e.traits, context: e.context }, null, 2),
    ),
  );

export const eventsPage: PageDef = {
  id: 'events',
  title: 'Events',
  group: 'Analytics',
  render: async ({ api, view, signal, exportAs }) => {
    const params = filterParams(view, ['type', 'event', 'user_id', 'cursor'], { limit: '50' });
    const body = await api.get<EventsBody>('events', params, signal);
    exportAs('events', params);
    return h(
      'div',
      {},
      filterForm(view, [
        {
          name: 'type',
          label: 'Type',
          type: 'select',
          options: [['', 'any'], ...TYPES.map((t): [string, string] => [t, t])],
        },
        { name: 'event', label: 'Event', placeholder: 'event or page name' },
        { name: 'user_id', label: 'User', placeholder: 'user id or anon:…' },
      ]),
      section(
        'Events, newest first',
        dataTable(
          'Raw events',
          [
            { label: 'When', cell: (e) => dateTime(e.timestamp) },
            { label: 'Type', cell: (e) => e.type },
            { label: 'Event', cell: nameOf },
            {
              label: 'User',
              cell: (e) =>
                e.userId
                  ? viewLink('users', { user: e.userId }, e.userId)
                  : e.anonymousId
                    ? `anon:${e.anonymousId}`
                    : '–',
            },
            { label: 'Details', cell: details },
          ],
          body.events,
          'No event matches in this range',
        ),
        pager(view, body.nextCursor),
      ),
    );
  },
};
