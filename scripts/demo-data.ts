/**
 * A month of a small AI-chat product, for the dashboard's browser tests, its screenshot and the
 * build's time-to-figures: two dozen users (some anonymous), conversations with messages from
 * three models over two agents and channels, API calls to four endpoints with a few errors, the
 * default features, and an experiment with exposures and conversions. Deterministic for a given
 * `random` and `now`.
 */

type Event = Record<string, unknown>;

const USERS = [
  'ada',
  'bob',
  'cy',
  'dee',
  'eli',
  'fay',
  'gus',
  'hal',
  'ivy',
  'jo',
  'kai',
  'lea',
  'max',
  'noa',
  'oli',
  'pam',
  'quin',
  'ray',
  'sue',
  'tom',
  'uma',
  'vic',
];
const MODELS: [model: string, weight: number][] = [
  ['gpt-4o', 5],
  ['claude-3-haiku', 3],
  ['llama-3-70b', 1],
];
const ENDPOINTS: [method: string, path: string, ms: number, errorRate: number][] = [
  ['POST', '/v1/chat', 420, 0.03],
  ['GET', '/v1/conversations', 60, 0.01],
  ['GET', '/v1/search', 140, 0.06],
  ['POST', '/v1/files', 900, 0.1],
];
const TEXTS = [
  'Thanks, that answer was great and really helpful',
  'The export is broken and I am angry',
  'How do I reset my password?',
  'Can you summarise this document for me',
  'This is slow and the result is wrong',
  'Please cancel my subscription',
  'I love the new search, it works perfectly',
];
export const DEMO_EXPERIMENT = {
  id: 'onboarding-tour',
  name: 'Onboarding tour',
  variants: [
    { name: 'control', weight: 1 },
    { name: 'guided', weight: 1 },
  ],
  goal: { event: 'checkout.completed' },
};

/** The demo's events, oldest first, stamped within the `days` days ending at `now`. */
const PAGE_PATHS: Record<string, string> = { Home: '/', Docs: '/docs', Pricing: '/pricing' };
const REFERRERS = [
  '',
  'https://www.google.com/',
  'https://news.ycombinator.com/',
  'https://github.com/',
];
const CAMPAIGNS = [
  '',
  '?utm_source=newsletter&utm_medium=email&utm_campaign=launch',
  '?utm_source=twitter&utm_medium=social',
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
];

/**
 * What a browser adds to a page call (URL with UTM tags, referrer, user agent), chosen from the
 * user's and the day's number rather than the random stream, so the rest of the month stays as it
 * was: the web-traffic report has pages, referrers, campaigns and browsers to show.
 */
function webPage(name: string, user: number, day: number) {
  const path = PAGE_PATHS[name] ?? '/';
  const referrer = REFERRERS[(user + day) % REFERRERS.length] as string;
  const search = CAMPAIGNS[(user * 7 + day) % 5] ?? '';
  return {
    properties: {
      url: `https://app.example.com${path}${search}`,
      ...(referrer ? { referrer } : {}),
    },
    context: { userAgent: USER_AGENTS[user % USER_AGENTS.length] as string },
  };
}

export function demoEvents(random: () => number, now: number, days = 30): Event[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const weighted = <T>(xs: [T, number][]) => {
    let r = random() * xs.reduce((a, [, w]) => a + w, 0);
    for (const [x, w] of xs) {
      r -= w;
      if (r < 0) return x;
    }
    return (xs[0] as [T, number])[0];
  };
  const out: Event[] = [];
  const today = Math.floor(now / 86_400_000) * 86_400_000;
  let conversation = 0;
  for (const userId of USERS.slice(0, 8))
    out.push({
      type: 'identify',
      userId,
      traits: {
        plan: pick(['free', 'team', 'enterprise']),
        company: pick(['Acme', 'Globex', 'Initech']),
      },
      timestamp: new Date(today - (days - 1) * 86_400_000 + 3_600_000).toISOString(),
    });
  for (let d = days - 1; d >= 0; d--) {
    const day = today - d * 86_400_000;
    // Busier on weekdays, and growing over the month.
    const weekday = new Date(day).getUTCDay() % 6 !== 0;
    const active = USERS.filter(() => random() < (weekday ? 0.45 : 0.2) + (days - d) / days / 4);
    for (const userId of active) {
      const at = (hour: number) => {
        const t = day + hour * 3_600_000 + Math.floor(random() * 3_600_000);
        return new Date(Math.min(t, now - 60_000)).toISOString();
      };
      const hour = 7 + Math.floor(random() * 12);
      out.push({ type: 'track', userId, event: 'activity.login', timestamp: at(hour) });
      const pageName = pick(['Home', 'Docs', 'Pricing']);
      const pageAt = at(hour);
      const u = USERS.indexOf(userId);
      out.push({
        type: 'page',
        userId,
        name: pageName,
        ...webPage(pageName, u, d),
        timestamp: pageAt,
      });
      // Every third visit reads on (no bounce): the docs, four minutes later.
      if ((u + d) % 3 === 0) {
        const next = Math.min(Date.parse(pageAt) + 240_000, now - 60_000);
        const { context } = webPage('Docs', u, d);
        out.push({
          type: 'page',
          userId,
          name: 'Docs',
          properties: { url: 'https://app.example.com/docs' },
          context,
          timestamp: new Date(next).toISOString(),
        });
      }
      const id = `c${++conversation}`;
      const agentId = pick(['support-bot', 'coder']);
      const channel = pick(['web', 'slack']);
      out.push({
        type: 'track',
        userId,
        event: 'conversation.started',
        properties: { conversationId: id, agentId, channel },
        timestamp: at(hour),
      });
      const messages = 1 + Math.floor(random() * 4);
      for (let m = 0; m < messages; m++) {
        const model = weighted(MODELS);
        const inputTokens = 100 + Math.floor(random() * 600);
        const outputTokens = 50 + Math.floor(random() * 900);
        out.push({
          type: 'track',
          userId,
          event: 'message.sent',
          properties: {
            conversationId: id,
            agentId,
            channel,
            role: m % 2 ? 'assistant' : 'user',
            model,
            inputTokens,
            outputTokens,
            responseTimeMs: Math.round(300 + random() * 1500),
            content: pick(TEXTS),
          },
          timestamp: at(hour),
        });
      }
      if (random() < 0.6)
        out.push({
          type: 'track',
          userId,
          event: 'conversation.ended',
          properties: { conversationId: id },
          timestamp: at(hour + 1),
        });
      for (let c = Math.floor(random() * 5); c > 0; c--) {
        const [method, endpoint, ms, errorRate] = pick(ENDPOINTS);
        const r = random();
        out.push({
          type: 'track',
          userId,
          event: 'api.request',
          properties: {
            method,
            endpoint,
            statusCode: r < errorRate / 2 ? 500 : r < errorRate ? 404 : 200,
            durationMs: Math.round(ms * (0.5 + random())),
          },
          timestamp: at(hour),
        });
      }
      if (random() < 0.15)
        out.push({ type: 'track', userId, event: 'service.created', timestamp: at(hour) });
      if (d < 20) {
        const variant = USERS.indexOf(userId) % 2 ? 'guided' : 'control';
        out.push({
          type: 'track',
          userId,
          event: 'experiment.exposure',
          properties: { experimentId: DEMO_EXPERIMENT.id, variant },
          timestamp: at(hour),
        });
        // The guided tour converts a little better.
        if (random() < (variant === 'guided' ? 0.09 : 0.05))
          out.push({ type: 'track', userId, event: 'checkout.completed', timestamp: at(hour + 1) });
      }
      if (random() < 0.25)
        out.push({ type: 'track', userId, event: 'deployment.completed', timestamp: at(hour + 1) });
      if (random() < 0.1)
        out.push({
          type: 'track',
          userId,
          event: 'agent.error',
          properties: { agentId },
          timestamp: at(hour),
        });
    }
    if (random() < 0.5)
      out.push({
        type: 'page',
        anonymousId: `v${d}`,
        name: 'Pricing',
        ...webPage('Pricing', d, d),
        timestamp: new Date(Math.min(day + 10 * 3_600_000, now - 60_000)).toISOString(),
      });
  }
  return out;
}

/**
 * Sends the demo month to a running Tally (`npm start`, or the test twin) as a service would:
 * batches of 250 through `/v1/batch`, then declares its experiment. Resolves with the count sent.
 */
export async function sendDemo(
  target: { baseUrl: string; writeKey: string; adminToken: string },
  random: () => number,
  now = Date.now(),
): Promise<number> {
  const events = demoEvents(random, now);
  const send = async (path: string, auth: string, body: unknown) => {
    const res = await fetch(`${target.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  };
  const basic = `Basic ${Buffer.from(`${target.writeKey}:`).toString('base64')}`;
  for (let i = 0; i < events.length; i += 250)
    await send('/v1/batch', basic, { batch: events.slice(i, i + 250) });
  await send('/api/v1/analytics/experiments', `Bearer ${target.adminToken}`, {
    ...DEMO_EXPERIMENT,
    start: new Date(now - 21 * 86_400_000).toISOString(),
  });
  return events.length;
}
