/**
 * The clients the seed services would run, pointed at the local twin by changing only their
 * host:
 * - Segment's Python client (`segment-analytics-python` 2.3.4, and `analytics-python` 1.4),
 *   replayed request for request, since PyPI is out of reach: the messages its `client.py`
 *   builds (`"category": null`, `"name": null`, `"anonymousId": null`), the body and headers its
 *   `request.py` sends (gzip on; 2.x puts the write key in the body, 1.4 in Basic auth), and its
 *   retry rule from `consumer.py`: any status but 200 raises; a 4xx other than 429 whose JSON
 *   body has `code` and `message` is given up at once, anything else (5xx, 429, a body without
 *   `code`) is retried, up to 11 tries.
 * - RudderStack's Node SDK with its defaults (gzip on).
 * Each event must be counted exactly once, no client left retrying, and each item Tally rejects
 * must be in the rejections report and the rejections sink, once, however often it is resent.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { bearer, request } from '../helpers/http.ts';
import { startTestStack } from '../helpers/stack.ts';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack('python-rudder');
});
afterAll(() => stack?.stop());

type Py = null | boolean | number | string | Py[] | { [key: string]: Py };

/** Python's `json.dumps` with its defaults: `", "` and `": "` separators, ASCII only. */
function pyDumps(value: Py): string {
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pyDumps(k)}: ${pyDumps(v)}`)
    .join(', ')}}`;
}

/** `datetime.isoformat()` of an aware UTC time: microseconds, or milliseconds with timespec. */
const pyIso = (ms: number, timespec: 'milliseconds' | 'auto' = 'auto') => {
  const iso = new Date(ms).toISOString().replace('Z', '');
  return `${timespec === 'auto' ? `${iso}000` : iso}+00:00`;
};

/** What `Client._enqueue` makes of a call: timestamp, messageId, library, nulls kept. */
function pyMessage(version: string, fields: Record<string, Py>): Record<string, Py> {
  const msg: Record<string, Py> = { integrations: {}, anonymousId: null, ...fields };
  msg.timestamp = pyIso(Date.now(), version.startsWith('1.') ? 'auto' : 'milliseconds');
  msg.messageId = randomUUID();
  msg.context = { library: { name: 'analytics-python', version } };
  msg.userId = (msg.userId as string | null | undefined) ?? null;
  return msg;
}

/** The calls of the seed services' Python code: one of each type, views without a category. */
const pyCalls = (version: string, user: string) => [
  pyMessage(version, { type: 'identify', userId: user, traits: { plan: 'pro' } }),
  pyMessage(version, {
    properties: { tokens: 120, model: 'gpt-4o', responseTimeMs: 640 },
    userId: user,
    type: 'track',
    event: 'message.sent',
  }),
  pyMessage(version, { properties: {}, category: null, userId: user, type: 'page', name: null }),
  pyMessage(version, {
    properties: {},
    category: null,
    userId: user,
    type: 'screen',
    name: 'Home',
  }),
  pyMessage(version, { groupId: 'acme', userId: user, traits: {}, type: 'group' }),
  pyMessage(version, { previousId: `anon-${user}`, userId: user, type: 'alias' }),
];

interface PyAttempt {
  status: number;
  body: unknown;
}

/**
 * One `Consumer.request(batch)`: `request.post` under `backoff.on_exception(max_tries=11,
 * giveup=fatal_exception)`, without the sleeps. Returns every attempt and whether it ended
 * delivered, given up (fatal), or out of tries.
 */
async function pySend(
  version: '2.3.4' | '1.4.0',
  batch: Record<string, Py>[],
  gzip: boolean,
): Promise<{ attempts: PyAttempt[]; outcome: 'delivered' | 'gave_up' | 'out_of_tries' }> {
  const attempts: PyAttempt[] = [];
  const v2 = version.startsWith('2.');
  for (let tries = 1; tries <= 11; tries += 1) {
    const body: Record<string, Py> = { batch, sentAt: pyIso(Date.now()) };
    if (v2) body.writeKey = stack.credentials.writeKey;
    const text = pyDumps(body);
    const headers: Record<string, string> = v2
      ? { 'Content-Type': 'application/json', 'User-Agent': `analytics-python/${version}` }
      : {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${stack.credentials.writeKey}:`).toString('base64')}`,
        };
    if (gzip) headers['Content-Encoding'] = 'gzip';
    const res = await fetch(`${stack.baseUrl}/v1/batch`, {
      method: 'POST',
      headers,
      body: gzip ? gzipSync(Buffer.from(text, 'utf8')) : text,
    });
    const raw = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    attempts.push({ status: res.status, body: parsed ?? raw });
    if (res.status === 200) return { attempts, outcome: 'delivered' };
    // `payload['code']` raises KeyError (not APIError) when the body has no code: retried.
    const apiError =
      parsed === undefined ||
      (typeof parsed === 'object' && parsed !== null && 'code' in parsed && 'message' in parsed);
    const fatal = apiError && res.status >= 400 && res.status < 500 && res.status !== 429;
    if (fatal) return { attempts, outcome: 'gave_up' };
  }
  return { attempts, outcome: 'out_of_tries' };
}

const admin = async (path: string) =>
  (
    await request(`${stack.baseUrl}/api/v1/analytics/${path}`, {
      headers: bearer(stack.credentials.adminToken),
    })
  ).body as Record<string, unknown>;

interface Sample {
  messageId?: string;
  code: string;
  reason: string;
  sample: string;
}

/** The rejections report, once every rejection sent so far is counted. */
async function rejections(): Promise<{ total: number; samples: Sample[] }> {
  await stack.idle();
  return (await admin('rejections?range=24h&limit=100')) as never;
}

/** The rejected item is in the report and the sink, with its reason, exactly once. */
async function expectReported(messageId: unknown, code: string): Promise<void> {
  const report = await rejections();
  const samples = report.samples.filter((s) => s.messageId === messageId);
  expect(samples).toEqual([
    expect.objectContaining({ code, reason: expect.any(String), sample: expect.any(String) }),
  ]);
  const sunk = stack.rejected().filter((e) => e.body.messageId === messageId);
  expect(sunk).toHaveLength(1);
  expect(sunk[0]?.reason).toBe(samples[0]?.reason);
}

async function totalEvents(): Promise<number> {
  await stack.idle();
  return (await admin('summary')).totalEvents as number;
}

describe("Segment's Python client, replayed", () => {
  it('2.3.4 with gzip: every call type arrives once, in one try, views without a category too', async () => {
    const before = await totalEvents();
    const batch = pyCalls('2.3.4', 'py-ada');
    const sent = await pySend('2.3.4', batch, true);
    expect(sent.outcome).toBe('delivered');
    expect(sent.attempts).toEqual([
      { status: 200, body: { success: true, accepted: batch.length } },
    ]);
    expect(await totalEvents()).toBe(before + batch.length);

    const events = (await admin('events?user_id=py-ada&limit=100')).events as Record<
      string,
      unknown
    >[];
    const page = events.find((e) => e.type === 'page');
    expect(page).toBeDefined();
    expect(page).not.toHaveProperty('category');
    expect(page).not.toHaveProperty('name');
    expect(events.find((e) => e.type === 'screen')).toMatchObject({ name: 'Home' });

    // The same batch again, as after a lost response: taken, counted once.
    const again = await pySend('2.3.4', batch, true);
    expect(again.outcome).toBe('delivered');
    expect(await totalEvents()).toBe(before + batch.length);
  });

  it('1.4 (Basic auth, no gzip, microsecond timestamps) arrives the same way', async () => {
    const before = await totalEvents();
    const batch = pyCalls('1.4.0', 'py-bob');
    const sent = await pySend('1.4.0', batch, false);
    expect(sent).toMatchObject({ outcome: 'delivered', attempts: [{ status: 200 }] });
    expect(await totalEvents()).toBe(before + batch.length);
  });

  it('a batch with an invalid item: the valid ones are kept, the bad one named, nothing retried', async () => {
    const before = await totalEvents();
    const rejectedBefore = (await rejections()).total;
    const batch = [
      ...pyCalls('2.3.4', 'py-cy').slice(0, 2),
      // Valid to the client (a string event), too long for Tally.
      pyMessage('2.3.4', {
        properties: {},
        userId: 'py-cy',
        type: 'track',
        event: 'x'.repeat(300),
      }),
    ];
    const sent = await pySend('2.3.4', batch, true);
    expect(sent.outcome).toBe('delivered');
    expect(sent.attempts).toHaveLength(1);
    expect(sent.attempts[0]?.body).toMatchObject({
      success: true,
      accepted: 2,
      rejected: [{ index: 2, messageId: batch[2]?.messageId, code: 'invalid' }],
    });
    expect(await totalEvents()).toBe(before + 2);
    // The admin sees the rejected item, once, however often the client resends the batch.
    await expectReported(batch[2]?.messageId, 'invalid');
    await Promise.all([pySend('2.3.4', batch, true), pySend('2.3.4', batch, false)]);
    expect((await rejections()).total).toBe(rejectedBefore + 1);
    await expectReported(batch[2]?.messageId, 'invalid');
  });

  it('a batch with nothing valid: a 400 with a top-level code, given up at once (not retried ten times)', async () => {
    const batch = [
      pyMessage('2.3.4', {
        properties: {},
        userId: 'py-dan',
        type: 'track',
        event: 'y'.repeat(300),
      }),
    ];
    const sent = await pySend('2.3.4', batch, true);
    expect(sent.outcome).toBe('gave_up');
    expect(sent.attempts).toHaveLength(1);
    expect(sent.attempts[0]).toMatchObject({
      status: 400,
      body: { code: 'validation_failed', message: expect.any(String) },
    });
    await expectReported(batch[0]?.messageId, 'invalid');
  });

  it('a zip bomb gets 413 with a JSON reason, and the service stays up', async () => {
    // 600 KB of zeros gzip to under 1 KB; the decompressed size is over the 500 KB limit.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"batch":["'), Buffer.alloc(600_000, 48)]));
    expect(bomb.length).toBeLessThan(2000);
    const res = await fetch(`${stack.baseUrl}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: `Basic ${Buffer.from(`${stack.credentials.writeKey}:`).toString('base64')}`,
      },
      body: bomb,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('decompressed'),
    });
    const health = await fetch(`${stack.baseUrl}/health`);
    expect(health.status).toBe(200);
  });
});

describe("RudderStack's Node SDK, default settings (gzip on)", () => {
  it('delivers every event once, and the one Tally rejects is in the rejections report', async () => {
    const before = await totalEvents();
    const rejectedBefore = (await rejections()).total;
    const errors: unknown[] = [];
    const client = new RudderAnalytics(stack.credentials.writeKey, {
      dataPlaneUrl: stack.baseUrl,
      flushAt: 20,
      logLevel: 'error',
      errorHandler: (error) => errors.push(error),
    });
    const SENT = 55;
    for (let i = 0; i < SENT; i += 1) {
      const userId = `rs-${i % 5}`;
      if (i % 11 === 0) client.identify({ userId, traits: { plan: 'pro' } });
      else if (i % 11 === 1) client.page({ userId, name: 'Pricing' });
      else if (i % 11 === 2) client.screen({ userId, name: 'Home' });
      else if (i % 11 === 3) client.group({ userId, groupId: 'acme', traits: {} });
      else if (i % 11 === 4) client.alias({ userId, previousId: `anon-${i}` });
      else client.track({ userId, event: 'message.sent', properties: { tokens: 10, i } });
    }
    // An event name over Tally's 200 characters: taken by the SDK, rejected by Tally.
    client.track({ userId: 'rs-0', event: 'z'.repeat(300) });
    await client.flush();
    expect(errors).toEqual([]);
    expect(await totalEvents()).toBe(before + SENT);
    const report = await rejections();
    expect(report.total).toBe(rejectedBefore + 1);
    const [rejected] = report.samples.filter((s) => s.sample.includes('z'.repeat(100)));
    expect(rejected).toMatchObject({ code: 'invalid', messageId: expect.any(String) });
    await expectReported(rejected?.messageId, 'invalid');
  });
});
