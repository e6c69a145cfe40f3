/** LLM tokens and cost: by model, user and conversation, and the month-end forecast. */
import type { ModelCost } from '../../lambdas/admin/reports/usage/tokens.ts';
import { h } from '../dom.ts';
import { fmt, usd } from '../format.ts';
import { type PageDef, section } from '../page.ts';
import { apiParams } from '../view.ts';
import { dataTable, figure, figures, viewLink } from '../widgets.ts';

/** `GET …/tokens` (docs/api-usage-reports.md). */
export interface TokensBody {
  total: number;
  byModel: ModelCost[];
  cost: number;
  unpricedModels: string[];
  byUser: { userId: string; tokens: number; messages: number; events: number }[];
  byConversation: {
    conversationId: string;
    userId: string | null;
    tokens: number;
    messages: number;
  }[];
  forecast: {
    month: string;
    daysInMonth: number;
    elapsedDays: number;
    tokensSoFar: number;
    costSoFar: number;
    tokens: number;
    cost: number;
    unpricedModels: string[];
  };
}

export const tokensPage: PageDef = {
  id: 'tokens',
  title: 'Tokens & cost',
  group: 'Analytics',
  render: async ({ api, view, signal, exportAs }) => {
    const params = apiParams(view, { limit: '10' });
    const t = await api.get<TokensBody>('tokens', params, signal);
    exportAs('tokens', params);
    const f = t.forecast;
    const unpriced = t.unpricedModels.length
      ? `Leaves out ${t.unpricedModels.join(', ')} (no price)`
      : null;
    return h(
      'div',
      {},
      figures(
        'Tokens and cost',
        figure('total', 'Tokens', fmt(t.total)),
        figure('cost', 'Cost', usd(t.cost), unpriced),
        figure(
          'forecastTokens',
          `Tokens by end of ${f.month}`,
          fmt(f.tokens),
          `${fmt(f.tokensSoFar)} so far`,
        ),
        figure(
          'forecastCost',
          `Cost by end of ${f.month}`,
          usd(f.cost),
          `${usd(f.costSoFar)} so far`,
        ),
      ),
      section(
        'By model',
        dataTable(
          'Tokens and cost by model',
          [
            { label: 'Model', cell: (r) => r.model, sort: (r) => r.model },
            { label: 'Messages', cell: (r) => fmt(r.messages), num: true, sort: (r) => r.messages },
            { label: 'Tokens', cell: (r) => fmt(r.tokens), num: true, sort: (r) => r.tokens },
            {
              label: 'Input',
              cell: (r) => fmt(r.inputTokens),
              num: true,
              sort: (r) => r.inputTokens,
            },
            {
              label: 'Output',
              cell: (r) => fmt(r.outputTokens),
              num: true,
              sort: (r) => r.outputTokens,
            },
            {
              label: 'Cost',
              cell: (r) => (r.cost === null ? 'no price' : usd(r.cost)),
              num: true,
              sort: (r) => r.cost,
            },
          ],
          t.byModel,
        ),
      ),
      h(
        'div',
        { class: 'columns' },
        section(
          'Top users',
          dataTable(
            'Users with the most tokens',
            [
              { label: 'User', cell: (r) => viewLink('users', { user: r.userId }, r.userId) },
              { label: 'Tokens', cell: (r) => fmt(r.tokens), num: true },
              { label: 'Messages', cell: (r) => fmt(r.messages), num: true },
            ],
            t.byUser,
          ),
        ),
        section(
          'Top conversations',
          dataTable(
            'Conversations with the most tokens',
            [
              {
                label: 'Conversation',
                cell: (r) => viewLink('conversations', { id: r.conversationId }, r.conversationId),
              },
              { label: 'User', cell: (r) => r.userId ?? '–' },
              { label: 'Tokens', cell: (r) => fmt(r.tokens), num: true },
            ],
            t.byConversation,
          ),
        ),
      ),
    );
  },
};
