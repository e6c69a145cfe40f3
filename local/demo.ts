/**
 * `npm run demo [-- --days 30 --users 120 --seed 1]`: fills a running `npm start` with a
 * plausible month of an AI-chat product, through its tracking API as a product would send it, so
 * every report and the dashboard show figures on a fresh machine. Deterministic for a seed: run
 * it again and the same messageIds make every resend count once.
 *
 * Users are power, casual or fading (active most days, some days, then gone); each active day
 * has page views with referrers and UTM tags, conversations with LLM messages (model, input and
 * output tokens, response time), API calls, feature use, and the onboarding steps of new users.
 * Two experiments are declared through the admin API and their exposures sent: a conversion goal
 * (`deployment.completed`) and an LLM-native metric goal (tokens per user).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { seeded } from '../test/helpers/faults.ts';
import { CREDENTIALS_FILE, type LocalCredentials } from './bootstrap.ts';
import { dataDirFromEnv } from './data-dir.ts';

const DAY_MS = 86_400_000;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'claude-3-haiku'];
const PAGES = ['/', '/pricing', '/docs', '/docs/quickstart', '/chat', '/settings', '/blog/launch'];
const REFERRERS = [
  '',
  'https://www.google.com/',
  'https://news.ycombinator.com/',
  'https://twitter.com/',
];
const CAMPAIGNS = [
  undefined,
  { source: 'newsletter', medium: 'email', name: 'november' },
  { source: 'google', medium: 'cpc', name: 'brand' },
];
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
];
const ENDPOINTS = [
  '/api/v1/services',
  '/api/v1/services/{id}',
  '/api/v1/deployments',
  '/api/v1/chat',
];
/** The two experiments the demo declares, with their exposures' effect on the goal. */
export const DEMO_EXPERIMENTS: readonly {
  id: string;
  name: string;
  variants: readonly { name: string }[];
  goal: { event: string } | { metric: string };
}[] = [
  {
    id: 'onboarding-copy',
    name: 'Onboarding copy',
    variants: [{ name: 'control' }, { name: 'short' }],
    goal: { event: 'deployment.completed' },
  },
  {
    id: 'model-routing',
    name: 'Cheaper model routing',
    variants: [{ name: 'control' }, { name: 'mini-first' }],
    goal: { metric: 'tokens' },
  },
];

export interface DemoOptions {
  days: number;
  users: number;
  seed: number;
  /** The end of the month sent (default now): events fall in the `days` before it. */
  now?: number;
}

type Message = Record<string, unknown>;

/** The events of the demo, oldest first. */
export function demoEvents(o: DemoOptions): Message[] {
  const r = seeded(o.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)] as T;
  const now = o.now ?? Date.now();
  const start = now - o.days * DAY_MS;
  const out: Message[] = [];
  let n = 0;
  const at = (dayStart: number, minute: number) =>
    new Date(Math.min(now - 1000, dayStart + minute * 60_000)).toISOString();

  for (let u = 0; u < o.users; u++) {
    const userId = `demo-user-${u}`;
    const kind = u % 10 < 2 ? 'power' : u % 10 < 7 ? 'casual' : 'fading';
    // Users join over the month; fading ones stop after a week or two.
    const joined = Math.floor(r() * o.days * 0.6);
    const leaves = kind === 'fading' ? joined + 5 + Math.floor(r() * 10) : o.days;
    const p = kind === 'power' ? 0.85 : kind === 'casual' ? 0.35 : 0.5;
    const ua = pick(USER_AGENTS);
    const exposures = DEMO_EXPERIMENTS.map((e) => pick(e.variants).name);
    let exposed = false;
    for (let d = joined; d < Math.min(leaves, o.days); d++) {
      if (d !== joined && r() >= p) continue;
      const dayStart = start + d * DAY_MS;
      let minute = 60 * (7 + Math.floor(r() * 12));
      const base = () => {
        minute += 1 + Math.floor(r() * 4);
        return { userId, messageId: `demo-${o.seed}-${n++}`, timestamp: at(dayStart, minute) };
      };
      const track = (event: string, properties: Message = {}) =>
        out.push({ ...base(), type: 'track', event, properties });
      if (d === joined) {
        out.push({
          ...base(),
          type: 'identify',
          traits: { plan: pick(['free', 'pro', 'team']), username: `user${u}` },
        });
        track('signup.completed');
      }
      // A visit: pages with where it came from.
      const campaign = pick(CAMPAIGNS);
      const referrer = pick(REFERRERS);
      for (let v = 0, views = 1 + Math.floor(r() * 4); v < views; v++) {
        const path = v === 0 && d === joined ? '/' : pick(PAGES);
        const query = campaign
          ? `?utm_source=${campaign.source}&utm_medium=${campaign.medium}&utm_campaign=${campaign.name}`
          : '';
        out.push({
          ...base(),
          type: 'page',
          name: path,
          properties: {
            path,
            url: `https://app.example.com${path}${v === 0 ? query : ''}`,
            referrer: v === 0 ? referrer : 'https://app.example.com/',
            title: 'Example App',
          },
          context: {
            userAgent: ua,
            ...(v === 0 && campaign ? { campaign } : {}),
            page: { path, referrer: v === 0 ? referrer : 'https://app.example.com/' },
          },
        });
      }
      if (!exposed) {
        exposed = true;
        for (const [i, e] of DEMO_EXPERIMENTS.entries()) {
          track('experiment.exposure', { experimentId: e.id, variant: exposures[i] });
        }
      }
      // Conversations with the assistant; the mini-first variant uses a smaller model.
      const conversations = kind === 'power' ? 1 + Math.floor(r() * 3) : Math.floor(r() * 2);
      for (let c = 0; c < conversations; c++) {
        const conversationId = `demo-conv-${u}-${d}-${c}`;
        track('conversation.started', { conversationId, agentId: pick(['support', 'coder']) });
        for (let m = 0, msgs = 2 + Math.floor(r() * 6); m < msgs; m++) {
          const mini = exposures[1] === 'mini-first' && r() < 0.7;
          track('message.sent', {
            conversationId,
            role: m % 2 ? 'assistant' : 'user',
            model: mini ? 'gpt-4o-mini' : pick(MODELS),
            inputTokens: 200 + Math.floor(r() * (mini ? 900 : 1800)),
            outputTokens: 50 + Math.floor(r() * 600),
            responseTimeMs: Math.round(300 + r() * 2500),
            channel: pick(['web', 'slack', 'api']),
          });
        }
      }
      for (let a = 0, calls = Math.floor(r() * 6); a < calls; a++) {
        const s = r();
        track('api.request', {
          endpoint: pick(ENDPOINTS),
          method: r() < 0.7 ? 'GET' : 'POST',
          statusCode: s < 0.95 ? 200 : s < 0.98 ? 404 : 500,
          durationMs: Math.round(5 + r() * 400),
        });
      }
      // Onboarding: create a service, then deploy it (the short copy converts better).
      if (d === joined || r() < 0.2) {
        track('service.created', { serviceId: `svc-${u}-${d}` });
        if (r() < (exposures[0] === 'short' ? 0.65 : 0.45)) {
          track('deployment.completed', { serviceId: `svc-${u}-${d}` });
        }
      }
      if (r() < 0.15) track('report.exported', { format: pick(['csv', 'json']) });
      if (r() < 0.3) track(`activity.${pick(['login', 'logout', 'settings_changed'])}`);
    }
  }
  return out.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
}

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** Sends with retries on 429/503 (after Retry-After) and network errors; returns how many went in. */
async function post(url: string, headers: Record<string, string>, body: unknown) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.ok) return text ? JSON.parse(text) : {};
      if ((res.status !== 429 && res.status !== 503) || attempt >= 30) {
        throw new Error(`${url} answered ${res.status}: ${text}`);
      }
      await sleep(Math.min(10, Number(res.headers.get('retry-after')) || 1) * 1000);
    } catch (error) {
      if (attempt >= 30 || !(error instanceof TypeError)) throw error;
      await sleep(1000);
    }
  }
}

/** Declares the experiments and sends the events; returns what was sent. */
export async function runDemo(creds: LocalCredentials, o: DemoOptions) {
  const now = o.now ?? Date.now();
  const admin = { authorization: `Bearer ${creds.adminToken}` };
  for (const e of DEMO_EXPERIMENTS) {
    await post(`${creds.baseUrl}/api/v1/analytics/experiments?project=${creds.projectId}`, admin, {
      ...e,
      start: new Date(now - o.days * DAY_MS).toISOString(),
    });
  }
  const events = demoEvents({ ...o, now });
  const sentAt = new Date().toISOString();
  let rejected = 0;
  const BATCH = 500;
  const batches: Message[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  // Four requests in flight, as a busy service's client would.
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as Message[];
        const res = await post(
          `${creds.baseUrl}/v1/batch`,
          { authorization: basic(creds.writeKey) },
          {
            batch,
            sentAt,
          },
        );
        rejected += Array.isArray(res.rejected) ? res.rejected.length : 0;
      }
    }),
  );
  const users = new Set(events.map((e) => e.userId)).size;
  return { events: events.length, users, rejected, experiments: DEMO_EXPERIMENTS.length };
}

async function main() {
  const { values } = parseArgs({
    options: {
      days: { type: 'string', default: '30' },
      users: { type: 'string', default: '120' },
      seed: { type: 'string', default: '1' },
    },
  });
  const o = { days: Number(values.days), users: Number(values.users), seed: Number(values.seed) };
  for (const [k, v] of Object.entries(o)) {
    if (!Number.isInteger(v) || v < 1 || v > 10_000)
      throw new Error(`--${k} must be an integer in [1, 10000]`);
  }
  const file = join(dataDirFromEnv(), CREDENTIALS_FILE);
  let creds: LocalCredentials;
  try {
    creds = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`No ${file}: start Tally first (npm start), then run npm run demo`);
  }
  const result = await runDemo(creds, o);
  console.log(
    `sent ${result.events} events of ${result.users} users over ${o.days} days (${result.rejected} rejected) and declared ${result.experiments} experiments to ${creds.baseUrl}; the figures are live within seconds: open ${creds.baseUrl}/`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
