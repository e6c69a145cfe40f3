/** Conversations: those active in the range (by user, status), and one conversation's days and insights. */
import type { ConversationRow } from '../../lambdas/admin/reports/people/compute.ts';
import type {
  ConversationBody,
  ConversationsBody,
} from '../../lambdas/admin/reports/people/conversations.ts';
import { h } from '../dom.ts';
import { dateTime, duration, fmt, ms } from '../format.ts';
import { type PageContext, type PageDef, section } from '../page.ts';
import { apiParams, filterParams } from '../view.ts';
import { dataTable, figure, figures, filterForm, pager, viewLink } from '../widgets.ts';
import { type InsightsBody, insightsSection } from './messages.ts';

const resources = (c: ConversationRow) => c.resources.map((r) => `${r.type} ${r.id}`).join(', ');

async function conversationPage({ api, view, signal, exportAs }: PageContext, id: string) {
  const params = apiParams(view);
  const insightParams = apiParams(view, { conversation_id: id, limit: '200' });
  const [body, insights] = await Promise.all([
    api.get<ConversationBody>(`conversations/${encodeURIComponent(id)}`, params, signal),
    api.get<InsightsBody>('messages/insights', insightParams, signal),
  ]);
  exportAs(`conversations/${encodeURIComponent(id)}`, params);
  const c = body.conversation;
  return h(
    'div',
    { 'data-conversation': id },
    h('p', {}, viewLink('conversations', {}, '← All conversations')),
    h('h2', { class: 'subject' }, id),
    figures(
      'Figures of this conversation in the range',
      figure('user', 'User', c.userId ?? '–'),
      figure('status', 'Status', c.status),
      figure('messages', 'Messages', fmt(c.messages)),
      figure('tokens', 'Tokens', fmt(c.tokens)),
      figure('avgResponseTimeMs', 'Avg response time', ms(c.avgResponseTimeMs)),
      figure('duration', 'Duration', duration(c.durationMs)),
    ),
    section(
      'Days',
      dataTable(
        'The conversation per day',
        [
          { label: 'Day', cell: (d) => d.day },
          { label: 'Messages', cell: (d) => fmt(d.messages), num: true },
          { label: 'Tokens', cell: (d) => fmt(d.tokens), num: true },
          { label: 'Avg response', cell: (d) => ms(d.avgResponseTimeMs), num: true },
          { label: 'Last activity', cell: (d) => dateTime(d.lastActivityAt) },
        ],
        body.days,
      ),
    ),
    insightsSection(insights, 'Sentiment and intent of its messages'),
  );
}

export const conversationsPage: PageDef = {
  id: 'conversations',
  title: 'Conversations',
  group: 'Analytics',
  render: async (ctx) => {
    const { api, view, signal, exportAs } = ctx;
    const id = view.params.get('id');
    if (id) return conversationPage(ctx, id);
    const params = filterParams(view, ['user_id', 'status', 'cursor'], { limit: '50' });
    const body = await api.get<ConversationsBody>('conversations', params, signal);
    exportAs('conversations', params);
    return h(
      'div',
      {},
      filterForm(view, [
        { name: 'user_id', label: 'User', placeholder: 'user id' },
        { name: 'status', label: 'Status', placeholder: 'active, ended…' },
      ]),
      section(
        'Conversations, newest activity first',
        dataTable(
          'Conversations active in the range',
          [
            {
              label: 'Conversation',
              cell: (c) => viewLink('conversations', { id: c.conversationId }, c.conversationId),
            },
            { label: 'User', cell: (c) => c.userId ?? '–' },
            { label: 'Status', cell: (c) => c.status },
            { label: 'Messages', cell: (c) => fmt(c.messages), num: true, sort: (c) => c.messages },
            { label: 'Tokens', cell: (c) => fmt(c.tokens), num: true, sort: (c) => c.tokens },
            {
              label: 'Avg response',
              cell: (c) => ms(c.avgResponseTimeMs),
              num: true,
              sort: (c) => c.avgResponseTimeMs,
            },
            { label: 'Resources', cell: resources },
            {
              label: 'Last activity',
              cell: (c) => dateTime(c.lastActivityAt),
              sort: (c) => c.lastActivityAt,
            },
          ],
          body.conversations,
          'No conversation in this range',
        ),
        pager(view, body.nextCursor),
      ),
    );
  },
};
