/**
 * The standard workload of the benchmark: an AI-chat product's event mix, from a population of
 * returning users with a share of new ones each day. Deterministic (seeded), so runs compare.
 *
 *   users        400 active per 20,000 events (50 events per active user per day), 5 % new that day
 *   event types  55 % message.sent (tokens, model, response time, conversation, role)
 *                 5 % conversation.started · 20 % api.request (20 endpoints; 95 % 2xx, 3 % 4xx, 2 % 5xx)
 *                10 % page (url with UTM, referrer, browser user agent; with `sessions`, in visits
 *                earlier today) · 5 % identify · 5 % activity.*
 *   size         about 500 bytes of JSON per event, like a Segment server library's: with a
 *                client timestamp (the event's creation time) and the batch's sentAt
 */
import { seeded } from '../test/helpers/faults.ts';

const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'claude-3-haiku'];
const ENDPOINTS = Array.from({ length: 20 }, (_, i) => `/api/v1/resource-${i}`);
const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** Events per active user: sets how many users a number of events has. */
export const EVENTS_PER_USER = 50;
/** Share of the active users that are new. */
export const NEW_USERS_SHARE = 0.05;

interface WorkloadOptions {
  /** Seed of the PRNG. */
  seed: number;
  /** Prefix of user ids: a different one gives different users. */
  userPrefix?: string;
  /** A fixed number of users instead of EVENTS_PER_USER (same users at any volume). */
  users?: number;
  /**
   * Page views in visits: each user's pages fall into up to SESSIONS_PER_DAY sessions 45 minutes
   * apart (over the 30-minute idle rule), each within 10 minutes, earlier today (never before
   * UTC midnight), so web-traffic has sessions, bounces and durations to read. Without it every
   * event is stamped now, and each visitor has one session of about 2 s.
   * @default false
   */
  sessions?: boolean;
}

/** Sessions a user's page views fall into with `sessions`. */
export const SESSIONS_PER_DAY = 3;
const SESSION_GAP_MS = 45 * 60_000;
const SESSION_SPAN_MS = 10 * 60_000;

/** The users `n` events are spread over: returning ones first, then the new ones. */
export function usersFor(n: number, o: WorkloadOptions) {
  const active = o.users ?? Math.max(1, Math.round(n / EVENTS_PER_USER));
  const fresh = Math.round(active * NEW_USERS_SHARE);
  const prefix = o.userPrefix ?? 'user';
  return {
    returning: Array.from({ length: active - fresh }, (_, i) => `${prefix}-r${i}`),
    fresh: Array.from({ length: fresh }, (_, i) => `${prefix}-n${i}`),
  };
}

/** `n` Segment messages (with `type`), of the standard mix. */
export function events(n: number, o: WorkloadOptions): Record<string, unknown>[] {
  const r = seeded(o.seed);
  const { returning, fresh } = usersFor(n, o);
  const all = [...returning, ...fresh];
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)] as T;
  const out: Record<string, unknown>[] = [];
  const now = Date.now();
  const midnight = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T00:00:00Z`);
  /** A page view's time in one of the user's visits today. */
  const visitTime = () =>
    new Date(
      Math.max(
        midnight,
        now -
          Math.floor(r() * SESSIONS_PER_DAY) * SESSION_GAP_MS -
          Math.floor(r() * SESSION_SPAN_MS),
      ),
    ).toISOString();
  for (let i = 0; i < n; i++) {
    const userId = pick(all);
    const roll = r();
    const base = {
      userId,
      messageId: `${o.seed}-${i}`,
      // As the client stamps it: now, minus up to 2 s.
      timestamp: new Date(Date.now() - Math.floor(r() * 2000)).toISOString(),
      context: { library: { name: 'analytics-node', version: '2.1.0' } },
    };
    const conversationId = `conv-${userId}-${Math.floor(r() * 5)}`;
    if (roll < 0.55) {
      const input = 200 + Math.floor(r() * 1800);
      const output = 50 + Math.floor(r() * 600);
      out.push({
        ...base,
        type: 'track',
        event: 'message.sent',
        properties: {
          conversationId,
          role: r() < 0.5 ? 'user' : 'assistant',
          model: pick(MODELS),
          inputTokens: input,
          outputTokens: output,
          responseTimeMs: Math.round(200 + r() * 2800),
          agentId: `agent-${Math.floor(r() * 8)}`,
          channel: pick(['web', 'slack', 'api']),
        },
      });
    } else if (roll < 0.6) {
      out.push({
        ...base,
        type: 'track',
        event: 'conversation.started',
        properties: { conversationId, agentId: `agent-${Math.floor(r() * 8)}` },
      });
    } else if (roll < 0.8) {
      const s = r();
      out.push({
        ...base,
        type: 'track',
        event: 'api.request',
        properties: {
          endpoint: pick(ENDPOINTS),
          method: r() < 0.7 ? 'GET' : 'POST',
          statusCode: s < 0.95 ? 200 : s < 0.98 ? 404 : 500,
          durationMs: Math.round(5 + r() * 400),
        },
      });
    } else if (roll < 0.9) {
      out.push({
        ...base,
        ...(o.sessions ? { timestamp: visitTime() } : {}),
        type: 'page',
        name: pick(['Home', 'Pricing', 'Docs', 'Chat']),
        properties: {
          url: `https://app.example.com/${pick(['home', 'pricing', 'docs', 'chat'])}?utm_source=newsletter&utm_medium=email&utm_campaign=launch`,
          referrer: 'https://news.example.org/post/42',
          title: 'Example App',
        },
        context: { ...base.context, userAgent: UA, ip: '203.0.113.42', locale: 'en-US' },
      });
    } else if (roll < 0.95) {
      out.push({
        ...base,
        type: 'identify',
        traits: {
          plan: pick(['free', 'pro', 'team']),
          email: `${userId}@example.com`,
          company: 'Example Inc',
        },
      });
    } else {
      out.push({
        ...base,
        type: 'track',
        event: `activity.${pick(['login', 'logout', 'settings_changed'])}`,
        properties: { username: userId },
      });
    }
  }
  return out;
}

/**
 * `list` sent `times` over, each copy with its own messageIds: the same users doing the same
 * things (the same event names, conversations, endpoints, models), only more often. What the
 * read-cost comparison holds fixed: a report's read grows with the days, users and labels it
 * covers (docs/architecture.md "Budgets"), so only the number of events may differ.
 */
export function repeated(list: Record<string, unknown>[], times: number) {
  return Array.from({ length: times }, (_, k) =>
    list.map((e) => ({ ...e, messageId: `${e.messageId}-x${k}` })),
  ).flat();
}
