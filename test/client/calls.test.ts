/**
 * What each call stores, read back through the admin API: the domain calls store exactly the
 * events Tally's domain endpoints make of the same payload (messageIds included, so the two ways
 * in count a message once), Segment calls carry the library and the client's context, the LLM
 * wrapper records tokens, model and response time, and the Lambda helper flushes before it returns.
 */
import { describe, expect, it } from 'vitest';
import { type Dropped, Tally, withTally } from '../../client/src/index.ts';
import { VERSION } from '../../client/src/version.ts';
import { basic, request } from '../helpers/http.ts';
import { projectKey, type StoredEvent, storedEvents, summary } from '../helpers/project.ts';
import { useTwin } from '../helpers/twin.ts';

const twin = useTwin('client-calls');

async function clientFor(project: string, options: { context?: Record<string, unknown> } = {}) {
  const drops: Dropped[] = [];
  const tally = new Tally({
    writeKey: await projectKey(twin.stack, project),
    host: twin.stack.baseUrl,
    onDrop: (d) => drops.push(...d),
    ...options,
  });
  return { tally, drops };
}

async function post(writeKey: string, path: string, body: unknown) {
  const res = await request(`${twin.stack.baseUrl}${path}`, { headers: basic(writeKey), body });
  expect([path, res.status]).toEqual([path, 200]);
}

/** The parts of a stored event a caller decides (not times, not the library). */
const decided = (e: StoredEvent) => ({
  event: e.event,
  userId: e.userId ?? null,
  properties: e.properties,
  ip: e.context.ip ?? null,
  userAgent: e.context.userAgent ?? null,
});
const byContent = (a: { event?: string; properties: unknown }, b: typeof a) =>
  JSON.stringify([a.event, a.properties]) < JSON.stringify([b.event, b.properties]) ? -1 : 1;

describe('the domain calls', () => {
  it('store exactly what Tally’s domain endpoints make of the same payloads', async () => {
    const { tally, drops } = await clientFor('domain-client');
    const endpointKey = await projectKey(twin.stack, 'domain-endpoint');

    tally.activity({
      userId: 'u1',
      type: 'login',
      username: 'ada',
      properties: { plan: 'pro' },
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
      messageId: 'act-1',
    });
    await post(endpointKey, '/v1/track/activity', {
      user_id: 'u1',
      username: 'ada',
      activity_type: 'login',
      extra_data: { plan: 'pro' },
      ip_address: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      idempotency_key: 'act-1',
    });
    tally.apiUsage({
      endpoint: '/conversations/',
      method: 'post',
      statusCode: 201,
      durationMs: 42.3,
      userId: 'u1',
      messageId: 'api-1',
    });
    await post(endpointKey, '/v1/track/api-usage', {
      endpoint: '/conversations/',
      method: 'POST',
      user_id: 'u1',
      status_code: 201,
      response_time: 0.0423,
      idempotency_key: 'api-1',
    });
    tally.apiUsage({ endpoint: '/health', method: 'GET', statusCode: 200, durationMs: 0.2 });
    await post(endpointKey, '/v1/track/api-usage', {
      endpoint: '/health',
      method: 'GET',
      status_code: 200,
      response_time_ms: 0.2,
    });
    tally.conversation({ conversationId: 'conv-1', userId: 'u1', action: 'created' });
    await post(endpointKey, '/v1/track/conversation', {
      conversation_id: 'conv-1',
      user_id: 'u1',
      action: 'created',
    });
    tally.conversation({
      conversationId: 'conv-1',
      userId: 'u1',
      messageCount: 4,
      tokens: 300,
      avgResponseTimeMs: 800,
    });
    await post(endpointKey, '/v1/track/conversation', {
      conversation_id: 'conv-1',
      user_id: 'u1',
      message_count: 4,
      total_tokens: 300,
      avg_response_time: 0.8,
    });
    tally.conversation({ conversationId: 'conv-1', userId: 'u1', status: 'deleted' });
    await post(endpointKey, '/v1/track/conversation', {
      conversation_id: 'conv-1',
      user_id: 'u1',
      status: 'deleted',
    });
    tally.message({
      messageId: 'msg-42',
      conversationId: 'conv-1',
      userId: 'u1',
      role: 'assistant',
      tokens: 150,
      inputTokens: 100,
      outputTokens: 50,
      model: 'gpt-3.5-turbo',
      responseTimeMs: 1200,
      content: 'Happy to help!',
      channel: 'web',
      agentId: 7,
    });
    await post(endpointKey, '/v1/track/message', {
      message_id: 'msg-42',
      conversation_id: 'conv-1',
      user_id: 'u1',
      role: 'assistant',
      tokens: 150,
      input_tokens: 100,
      output_tokens: 50,
      model: 'gpt-3.5-turbo',
      response_time: 1.2,
      content: 'Happy to help!',
      channel_id: 'web',
      agent_id: 7,
    });
    await tally.close();
    expect(drops).toEqual([]);

    const fromClient = await storedEvents(twin.stack, 'domain-client');
    const fromEndpoints = await storedEvents(twin.stack, 'domain-endpoint');
    expect(fromClient).toHaveLength(7);
    expect(fromClient.map(decided).sort(byContent)).toEqual(
      fromEndpoints.map(decided).sort(byContent),
    );
    // The same messageIds, except for updates and anonymous API calls, which get fresh ones.
    const kept = (events: StoredEvent[]) =>
      events
        .map((e) => e.messageId)
        .filter((id) => !/^[0-9a-f-]{36}$/.test(id))
        .sort();
    expect(kept(fromClient)).toEqual(kept(fromEndpoints));
    expect(kept(fromClient)).toEqual([
      'act-1',
      'api-1',
      'conversation.ended:conv-1',
      'conversation.started:conv-1',
      'message.sent:conv-1:msg-42',
    ]);
  });

  it('count a message and a conversation once when both the client and the endpoints send them', async () => {
    const { tally, drops } = await clientFor('both-ways');
    const writeKey = await projectKey(twin.stack, 'both-ways');
    // Ids long enough that the derived messageId is a SHA-256 of them.
    const longConversation = `c${'x:%'.repeat(60)}`;
    const longMessage = 'm'.repeat(120);
    tally.message({ messageId: 'msg-1', conversationId: 'conv-9', userId: 'u1', tokens: 10 });
    tally.message({
      messageId: longMessage,
      conversationId: longConversation,
      userId: 'u1',
      tokens: 5,
    });
    tally.conversation({ conversationId: 'conv-9', userId: 'u1', action: 'started' });
    await tally.close();
    await twin.stack.idle();
    await post(writeKey, '/v1/track/message', {
      message_id: 'msg-1',
      conversation_id: 'conv-9',
      user_id: 'u1',
      tokens: 10,
    });
    await post(writeKey, '/v1/track/message', {
      message_id: longMessage,
      conversation_id: longConversation,
      user_id: 'u1',
      tokens: 5,
    });
    await post(writeKey, '/v1/track/conversation', {
      conversation_id: 'conv-9',
      user_id: 'u1',
      action: 'created',
    });
    expect(drops).toEqual([]);
    expect(await summary(twin.stack, 'both-ways')).toMatchObject({
      totalEvents: 3,
      totalMessages: 2,
      totalTokens: 15,
      totalConversations: 1,
    });
    const ids = (await storedEvents(twin.stack, 'both-ways')).map((e) => e.messageId);
    expect(ids.filter((id) => /^message\.sent:[0-9a-f]{64}$/.test(id))).toHaveLength(1);
  });
});

describe('Segment calls', () => {
  it('carry the library, the client’s context and the caller’s own fields', async () => {
    const { tally, drops } = await clientFor('segment-calls', {
      context: { app: { name: 'chat-api', version: '2.3.0' } },
    });
    const at = new Date(Date.now() - 60_000);
    tally.identify({ userId: 'u1', traits: { email: 'ada@example.com', plan: 'pro' } });
    tally.page({
      anonymousId: 'v-1',
      name: 'Pricing',
      category: 'Docs',
      properties: { url: 'https://example.com/pricing?utm_source=newsletter' },
    });
    tally.track({
      userId: 'u1',
      event: 'Plan Upgraded',
      properties: { from: 'free', to: 'pro' },
      timestamp: at,
      context: { locale: 'en-GB' },
      messageId: 'upgrade-1',
    });
    tally.track({ event: 'Nightly Job Ran', properties: { rows: 12 }, messageId: 'job-1' });
    await tally.close();
    expect(drops).toEqual([]);

    const events = await storedEvents(twin.stack, 'segment-calls');
    const of = (pred: (e: StoredEvent) => boolean) => events.find(pred) as StoredEvent;
    for (const e of events) {
      expect(e.context).toMatchObject({
        library: { name: '@tally/client', version: VERSION },
        app: { name: 'chat-api', version: '2.3.0' },
      });
    }
    expect(of((e) => e.type === 'identify')).toMatchObject({
      userId: 'u1',
      traits: { email: 'ada@example.com', plan: 'pro' },
    });
    expect(of((e) => e.type === 'page')).toMatchObject({
      anonymousId: 'v-1',
      name: 'Pricing',
      category: 'Docs',
      properties: { path: '/pricing' },
      context: { campaign: { source: 'newsletter' } },
    });
    expect(of((e) => e.messageId === 'upgrade-1')).toMatchObject({
      event: 'Plan Upgraded',
      properties: { from: 'free', to: 'pro' },
      originalTimestamp: at.toISOString(),
      context: { locale: 'en-GB' },
    });
    // A track call without a user is a server-side event (sent to /v1/events/bulk).
    const job = of((e) => e.messageId === 'job-1');
    expect(job).toMatchObject({
      type: 'track',
      event: 'Nightly Job Ran',
      properties: { rows: 12 },
    });
    expect(job.userId ?? job.anonymousId).toBeUndefined();
  });
});

describe('llmCall', () => {
  it('records input, output and cached tokens, the model and the response time', async () => {
    const { tally, drops } = await clientFor('llm');
    const openai = {
      id: 'chatcmpl-9',
      object: 'chat.completion',
      model: 'gpt-4o-2024-08-06',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' } }],
      usage: {
        prompt_tokens: 1200,
        completion_tokens: 300,
        total_tokens: 1500,
        prompt_tokens_details: { cached_tokens: 1024 },
      },
    };
    const anthropic = {
      id: 'msg_01XYZ',
      type: 'message',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Hello' }],
      usage: {
        input_tokens: 20,
        output_tokens: 80,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 200,
      },
    };
    const slow = <T>(value: T) => new Promise<T>((r) => setTimeout(() => r(value), 30));
    const a = await tally.llmCall({ userId: 'u1', conversationId: 'conv-llm' }, () => slow(openai));
    const b = await tally.llmCall(
      { userId: 'u1', conversationId: 'conv-llm', messageId: 'turn-2', channel: 'web' },
      () => slow(anthropic),
    );
    expect(a).toBe(openai);
    expect(b).toBe(anthropic);
    await expect(
      tally.llmCall({ userId: 'u1', conversationId: 'conv-llm' }, async () => {
        throw new Error('rate limited');
      }),
    ).rejects.toThrow('rate limited');
    await tally.close();
    expect(drops).toEqual([]);

    const events = await storedEvents(twin.stack, 'llm', '&event=message.sent');
    const byId = Object.fromEntries(events.map((e) => [e.messageId, e.properties]));
    expect(Object.keys(byId).sort()).toEqual([
      'message.sent:conv-llm:chatcmpl-9',
      'message.sent:conv-llm:turn-2',
    ]);
    expect(byId['message.sent:conv-llm:chatcmpl-9']).toEqual({
      messageId: 'chatcmpl-9',
      conversationId: 'conv-llm',
      role: 'assistant',
      model: 'gpt-4o-2024-08-06',
      inputTokens: 1200,
      outputTokens: 300,
      cachedTokens: 1024,
      tokens: 1500,
      responseTimeMs: expect.any(Number),
    });
    expect(byId['message.sent:conv-llm:turn-2']).toMatchObject({
      model: 'claude-sonnet-4-5',
      inputTokens: 1220,
      outputTokens: 80,
      cachedTokens: 1000,
      tokens: 1300,
      channel: 'web',
    });
    for (const p of Object.values(byId)) {
      expect(p.responseTimeMs as number).toBeGreaterThanOrEqual(25);
    }
    expect(await summary(twin.stack, 'llm')).toMatchObject({ totalMessages: 2, totalTokens: 2800 });
  });
});

describe('withTally', () => {
  const context = { getRemainingTimeInMillis: () => 30_000 };

  it('flushes before the handler’s result (or error) is returned', async () => {
    const { tally, drops } = await clientFor('lambda');
    const handler = withTally(tally, async (event: { n: number; fail?: boolean }) => {
      for (let i = 0; i < event.n; i++)
        tally.track({ userId: 'u1', event: 'Invoked', properties: { i } });
      if (event.fail) throw new Error('handler failed');
      return { ok: true };
    });
    expect(await handler({ n: 3 }, context)).toEqual({ ok: true });
    expect(tally.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 3 });
    await expect(handler({ n: 2, fail: true }, context)).rejects.toThrow('handler failed');
    expect(tally.stats()).toMatchObject({ queued: 0, inFlight: 0, delivered: 5 });
    expect(drops).toEqual([]);
    expect((await summary(twin.stack, 'lambda')).totalEvents).toBe(5);
    await tally.close();
  });

  it('returns after flushTimeoutMs when Tally does not answer, keeping the events', async () => {
    const p = await twin.proxy();
    p.policy = () => 'hang';
    const drops: Dropped[] = [];
    const tally = new Tally({ writeKey: 'tk_any', host: p.url, onDrop: (d) => drops.push(...d) });
    const handler = withTally(
      tally,
      async () => {
        tally.track({ userId: 'u1', event: 'Invoked' });
        return 'done';
      },
      { flushTimeoutMs: 150 },
    );
    expect(await handler({}, context)).toBe('done');
    expect(tally.stats()).toMatchObject({ inFlight: 1, delivered: 0 });
    expect(drops).toEqual([]);
    await tally.close({ timeoutMs: 50 });
  });
});
