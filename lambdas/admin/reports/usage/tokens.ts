/** `tokens`: token use by model, user and conversation, its cost, and a month-end forecast. */
import * as v from 'valibot';
import type { ModelPrice } from '../../../contract/config/admin.ts';
import { dayOf, daysBetween, MS } from '../../../model/time.ts';
import type { ConversationStats, ModelStats, UserStats } from '../../../store/aggregate.ts';
import { emptyAggregate } from '../../../store/aggregate.ts';
import { COUNTER } from '../../../store/contributions.ts';
import { mergeAggregate } from '../../../store/merge.ts';
import { parseRange, rangeOut } from '../../range.ts';
import { type RangeView, readRange } from '../../read.ts';
import { intParam, projectParam, rangeParams, report } from '../../report.ts';
import { tokensResponse } from '../../responses.ts';
import { byCountDesc, compareText, countOf, round } from '../numbers.ts';

/** Costs are USD to 8 decimals: exact for any price with up to 2 decimals per million tokens. */
const COST_DIGITS = 8;
const PER = 1_000_000;

/**
 * USD for a model's tokens: input and output at their prices, the rest (tokens reported without a
 * kind) at `total`, else at the input price. Undefined without a price.
 */
export function costOf(m: Omit<ModelStats, 'messages'>, price: ModelPrice | undefined) {
  if (!price) return undefined;
  const rest = Math.max(0, m.tokens - m.inputTokens - m.outputTokens);
  return (
    (m.inputTokens * price.input +
      m.outputTokens * price.output +
      rest * (price.total ?? price.input)) /
    PER
  );
}

/** Tokens and cost of one model. */
export interface ModelCost {
  model: string;
  messages: number;
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  /** USD; null when the model has tokens but no price. */
  cost: number | null;
}

/** Tokens and cost by model, and their sum. */
export interface CostTable {
  byModel: ModelCost[];
  /** USD over the priced models: it leaves out `unpricedModels`. */
  cost: number;
  /** Models with tokens and no price (their cost is not in `cost`). */
  unpricedModels: string[];
}

/** Prices every model by exact name; most tokens first. */
export function costTable(
  models: Record<string, ModelStats>,
  prices: Readonly<Record<string, ModelPrice>>,
): CostTable {
  let cost = 0;
  const unpricedModels: string[] = [];
  const byModel = Object.entries(models)
    .map(([model, m]) => {
      const usd = m.tokens > 0 ? costOf(m, prices[model]) : 0;
      if (usd === undefined) unpricedModels.push(model);
      else cost += usd;
      return {
        model,
        messages: m.messages,
        tokens: m.tokens,
        inputTokens: m.inputTokens,
        outputTokens: m.outputTokens,
        cost: usd === undefined ? null : round(usd, COST_DIGITS),
      };
    })
    .sort(byCountDesc((m) => [m.tokens, m.model]));
  return {
    byModel,
    cost: round(cost, COST_DIGITS),
    unpricedModels: unpricedModels.sort(compareText),
  };
}

/** Users with tokens, most first, at most `limit`. */
export function topUsers(users: Record<string, UserStats>, limit: number) {
  return Object.entries(users)
    .filter(([, u]) => u.tokens > 0)
    .map(([userId, u]) => ({ userId, tokens: u.tokens, messages: u.messages, events: u.events }))
    .sort(byCountDesc((u) => [u.tokens, u.userId]))
    .slice(0, limit);
}

/** Conversations with tokens, most first, at most `limit`. */
export function topConversations(conversations: Record<string, ConversationStats>, limit: number) {
  return Object.entries(conversations)
    .filter(([, c]) => c.tokens > 0)
    .map(([conversationId, c]) => ({
      conversationId,
      userId: c.userId ?? null,
      tokens: c.tokens,
      messages: c.messages,
    }))
    .sort(byCountDesc((c) => [c.tokens, c.conversationId]))
    .slice(0, limit);
}

/** The current UTC month: its days up to today, its length, and the days elapsed at `now`. */
export function monthOf(now: number) {
  const d = new Date(now);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return {
    month: dayOf(start).slice(0, 7),
    days: daysBetween(dayOf(start), dayOf(now)),
    daysInMonth: Math.round((next - start) / MS.day),
    // Fractional, so the forecast is not biased by the part of today still to come; at least one
    // day, so the first hours of a month do not extrapolate a few events into millions.
    elapsedDays: Math.max(1, (now - start) / MS.day),
  };
}

/** Month-end forecast: so-far figures scaled by days in month / days elapsed. */
export function forecastOf(
  month: ReturnType<typeof monthOf>,
  tokensSoFar: number,
  costs: CostTable,
) {
  const scale = month.daysInMonth / month.elapsedDays;
  return {
    month: month.month,
    daysInMonth: month.daysInMonth,
    elapsedDays: round(month.elapsedDays, 4),
    tokensSoFar,
    costSoFar: costs.cost,
    tokens: Math.round(tokensSoFar * scale),
    cost: round(costs.cost * scale, COST_DIGITS),
    unpricedModels: costs.unpricedModels,
  };
}

/** Tokens and models of `days`, taking days already read from `known`. */
async function monthTotals(
  read: (days: string[]) => Promise<RangeView>,
  known: RangeView,
  days: string[],
) {
  const have = new Map(known.days.map((d) => [d.day, d]));
  const missing = days.filter((d) => !have.has(d));
  const extra = missing.length ? (await read(missing)).days : [];
  const agg = emptyAggregate();
  let tokens = 0;
  for (const d of [...days.flatMap((day) => have.get(day) ?? []), ...extra]) {
    tokens += countOf(d.counters, COUNTER.tokens);
    mergeAggregate(agg, d.parts.agg);
  }
  return { tokens, models: agg.models };
}

/** `GET /api/v1/analytics/tokens`. */
export const tokensReport = report({
  route: 'GET /api/v1/analytics/tokens',
  response: tokensResponse,
  query: v.object({
    project: projectParam,
    ...rangeParams,
    limit: intParam(10, 500, 'Users and conversations listed'),
  }),
  run: async ({ deps, projectId, query }) => {
    const now = deps.now();
    const range = parseRange(query, now);
    const view = await readRange(deps, projectId, range.days, { users: true, conversations: true });
    const month = monthOf(now);
    const soFar = await monthTotals((days) => readRange(deps, projectId, days), view, month.days);
    const costs = costTable(view.total.agg.models, deps.tokenPrices);
    return {
      project: projectId,
      range: rangeOut(range),
      total: view.total.counters[COUNTER.tokens] ?? 0,
      ...costs,
      byUser: topUsers(view.total.users, query.limit),
      byConversation: topConversations(view.total.conversations, query.limit),
      forecast: forecastOf(month, soFar.tokens, costTable(soFar.models, deps.tokenPrices)),
    };
  },
  rows: (body: CostTable) => body.byModel as unknown as Record<string, unknown>[],
});
