import { describe, expect, it } from 'vitest';
import { type DomainMessage, translate } from '../../../lambdas/contract/domain.ts';

/** The translation of an item that must be accepted. */
function accepted(...args: Parameters<typeof translate>): DomainMessage {
  const result = translate(...args);
  if ('reason' in result) throw new Error(`rejected: ${result.reason}`);
  return result;
}

describe('translate activity (POST /v1/track/activity)', () => {
  it("maps the seed's _track_user_activity payload onto activity.login", () => {
    const item = {
      user_id: 'user123',
      username: 'ada',
      activity_type: 'login',
      ip_address: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
    };
    expect(translate('activity', item)).toEqual({
      event: 'activity.login',
      userId: 'user123',
      properties: { username: 'ada' },
      context: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0' },
    });
  });

  it("treats Python's None for the optional ip and agent as absent", () => {
    const item = {
      user_id: 'user123',
      username: 'ada',
      activity_type: 'registration',
      ip_address: null,
      user_agent: null,
    };
    expect(translate('activity', item)).toEqual({
      event: 'activity.registration',
      userId: 'user123',
      properties: { username: 'ada' },
    });
  });

  it("accepts the seed's troubleshooting call with any activity type", () => {
    const item = { user_id: 'test', username: 'test', activity_type: 'test' };
    expect(translate('activity', item)).toEqual({
      event: 'activity.test',
      userId: 'test',
      properties: { username: 'test' },
    });
  });

  it('maps the camelCase equivalent, extra data and a client messageId', () => {
    const item = {
      userId: 42,
      username: 'ada',
      activityType: 'logout',
      ipAddress: '2001:db8::1',
      userAgent: 'curl/8.5',
      extraData: { sessionMinutes: 31, plan: 'pro' },
      messageId: 'act-1',
      timestamp: 1732701600,
    };
    expect(translate('activity', item)).toEqual({
      event: 'activity.logout',
      userId: '42',
      messageId: 'act-1',
      timestamp: '2024-11-27T10:00:00.000Z',
      properties: { sessionMinutes: 31, plan: 'pro', username: 'ada' },
      context: { ip: '2001:db8::1', userAgent: 'curl/8.5' },
    });
  });

  it('lets the top-level username win over one in extra_data', () => {
    const item = {
      user_id: 'u1',
      username: 'ada',
      activity_type: 'login',
      extra_data: { username: 'stale', method: 'sso' },
    };
    expect(accepted('activity', item).properties).toEqual({ username: 'ada', method: 'sso' });
  });

  it('never names an activity like the events the report counters count', () => {
    const started = accepted('activity', { user_id: 'u1', activity_type: 'conversation_started' });
    const sent = accepted('activity', { user_id: 'u1', activity_type: 'message_sent' });
    expect([started.event, sent.event]).toEqual([
      'activity.conversation_started',
      'activity.message_sent',
    ]);
  });

  it.each([
    [{ user_id: 'u1', username: 'ada' }, 'activity_type is required'],
    [{ user_id: 'u1', activity_type: '  ' }, 'activity_type is required'],
    [
      { user_id: 'u1', activity_type: 'x'.repeat(101) },
      'activity_type must be a string of at most 100 characters',
    ],
    [
      { user_id: 'u1', activity_type: 'login', extra_data: ['a'] },
      'extra_data must be a JSON object',
    ],
    [{ user_id: 'u1', activityType: 'login', extraData: 'x' }, 'extraData must be a JSON object'],
    [{ user_id: 'u1', activity_type: 'login', ip_address: 7 }, 'ip_address must be a string'],
    [
      { user_id: { id: 1 }, activity_type: 'login' },
      'user_id must be a string of at most 256 characters or a number',
    ],
  ])('rejects %j: %s', (item, reason) => {
    expect(translate('activity', item)).toEqual({ reason });
  });
});

describe('translate api-usage (POST /v1/track/api-usage)', () => {
  it("maps the seed middleware's call, seconds becoming milliseconds", () => {
    const item = {
      endpoint: '/conversations/',
      method: 'post',
      user_id: 'user123',
      status_code: 201,
      response_time: 0.0423,
    };
    expect(translate('api-usage', item)).toEqual({
      event: 'api.request',
      userId: 'user123',
      properties: {
        endpoint: '/conversations/',
        method: 'POST',
        statusCode: 201,
        durationMs: 42.3,
      },
    });
  });

  it('accepts an anonymous call', () => {
    const item = {
      endpoint: '/health',
      method: 'GET',
      user_id: null,
      status_code: 200,
      response_time: 0.001,
    };
    expect(translate('api-usage', item)).toEqual({
      event: 'api.request',
      properties: { endpoint: '/health', method: 'GET', statusCode: 200, durationMs: 1 },
    });
  });

  it('maps the camelCase equivalent with milliseconds and numbers in strings', () => {
    const item = {
      endpoint: '/v1/chat',
      method: 'delete',
      userId: 'u9',
      statusCode: '404',
      responseTimeMs: '12.34567',
      idempotency_key: 'req-77',
    };
    expect(translate('api-usage', item)).toEqual({
      event: 'api.request',
      userId: 'u9',
      messageId: 'req-77',
      properties: { endpoint: '/v1/chat', method: 'DELETE', statusCode: 404, durationMs: 12.346 },
    });
  });

  it('reads durationMs as milliseconds and camelCase responseTime as milliseconds', () => {
    const base = { endpoint: '/a', method: 'GET', status_code: 200 };
    expect(accepted('api-usage', { ...base, durationMs: 5 }).properties.durationMs).toBe(5);
    expect(accepted('api-usage', { ...base, responseTime: 120 }).properties.durationMs).toBe(120);
  });

  it.each([
    [{ method: 'GET', status_code: 200 }, 'endpoint is required'],
    [{ endpoint: '/a', status_code: 200 }, 'method is required'],
    [{ endpoint: '/a', method: 'GET' }, 'status_code is required'],
    [
      { endpoint: '/a', method: 'GET', status_code: 99 },
      'status_code must be an integer from 100 to 599',
    ],
    [
      { endpoint: '/a', method: 'GET', status_code: 600 },
      'status_code must be an integer from 100 to 599',
    ],
    [
      { endpoint: '/a', method: 'GET', statusCode: 200.5 },
      'statusCode must be an integer from 100 to 599',
    ],
    [
      { endpoint: '/a', method: 'GET', status_code: 'ok' },
      'status_code must be an integer from 100 to 599',
    ],
    [{ endpoint: 5, method: 'GET', status_code: 200 }, 'endpoint must be a string'],
    [
      { endpoint: '/a', method: 'GET', status_code: 200, response_time: -1 },
      'response_time must be a number of seconds from 0 to 86400',
    ],
  ])('rejects %j: %s', (item, reason) => {
    expect(translate('api-usage', item)).toEqual({ reason });
  });
});

describe('translate conversation (POST /v1/track/conversation)', () => {
  it("maps the seed's track_conversation(action='created') onto a once-only start", () => {
    const item = { conversation_id: 'conv-1', user_id: 'user123', action: 'created' };
    expect(translate('conversation', item)).toEqual({
      event: 'conversation.started',
      userId: 'user123',
      messageId: 'conversation.started:conv-1',
      properties: { conversationId: 'conv-1' },
    });
  });

  it('maps an update with the seed metrics, without a fixed messageId', () => {
    const item = {
      conversation_id: 'conv-1',
      user_id: 'user123',
      action: 'updated',
      message_count: 4,
      total_tokens: 900,
      avg_response_time: 1.25,
      status: 'active',
    };
    expect(translate('conversation', item)).toEqual({
      event: 'conversation.updated',
      userId: 'user123',
      properties: {
        conversationId: 'conv-1',
        messageCount: 4,
        tokens: 900,
        status: 'active',
        avgResponseTimeMs: 1250,
      },
    });
  });

  it('maps the camelCase equivalent, with milliseconds for avgResponseTime', () => {
    const item = {
      conversationId: 17,
      userId: 3,
      action: 'ended',
      messageCount: '6',
      totalTokens: 1200,
      avgResponseTime: 640,
    };
    expect(translate('conversation', item)).toEqual({
      event: 'conversation.ended',
      userId: '3',
      messageId: 'conversation.ended:17',
      properties: { conversationId: '17', messageCount: 6, tokens: 1200, avgResponseTimeMs: 640 },
    });
  });

  it('reads a deleted status as the end of the conversation', () => {
    const item = { conversation_id: 'conv-1', user_id: 'u1', status: 'deleted' };
    expect(translate('conversation', item)).toEqual({
      event: 'conversation.ended',
      userId: 'u1',
      messageId: 'conversation.ended:conv-1',
      properties: { conversationId: 'conv-1', status: 'deleted' },
    });
  });

  it('reads any other status alone as an update', () => {
    const item = { conversation_id: 'conv-1', user_id: 'u1', status: 'active' };
    expect(accepted('conversation', item).event).toBe('conversation.updated');
  });

  it('gives a retried start the same messageId, ignoring a client one', () => {
    const item = { conversation_id: 'c', user_id: 'u', action: 'created' };
    const first = accepted('conversation', { ...item, messageId: 'random-1' });
    const retry = accepted('conversation', { ...item, messageId: 'random-2' });
    expect([first.messageId, retry.messageId]).toEqual([
      'conversation.started:c',
      'conversation.started:c',
    ]);
  });

  it.each([
    [{ user_id: 'u1', action: 'created' }, 'conversation_id is required'],
    [{ conversation_id: 'c', action: 'archived' }, 'action must be one of created, updated, ended'],
    [
      { conversation_id: 'c', message_count: -1 },
      'message_count must be an integer from 0 to 1000000000',
    ],
    [
      { conversation_id: 'c', total_tokens: 1.5 },
      'total_tokens must be an integer from 0 to 1000000000',
    ],
  ])('rejects %j: %s', (item, reason) => {
    expect(translate('conversation', item)).toEqual({ reason });
  });
});

describe('translate message (POST /v1/track/message)', () => {
  it("maps the seed's track_message(...) onto message.sent with a once-only messageId", () => {
    const item = {
      message_id: 'msg-42',
      conversation_id: 'conv-1',
      user_id: 'user123',
      role: 'assistant',
      tokens: 150,
      model: 'gpt-3.5-turbo',
    };
    expect(translate('message', item)).toEqual({
      event: 'message.sent',
      userId: 'user123',
      messageId: 'message.sent:conv-1:msg-42',
      properties: {
        messageId: 'msg-42',
        conversationId: 'conv-1',
        role: 'assistant',
        tokens: 150,
        model: 'gpt-3.5-turbo',
      },
    });
  });

  it("maps the seed schema's column names, response_time in seconds", () => {
    const item = {
      message_id: 'msg-43',
      conversation_id: 'conv-1',
      user_id: 'user123',
      role: 'assistant',
      token_count: 230,
      model_used: 'gpt-4o',
      response_time: 1.5,
      prompt_tokens: 80,
      completion_tokens: 150,
    };
    expect(translate('message', item)).toEqual({
      event: 'message.sent',
      userId: 'user123',
      messageId: 'message.sent:conv-1:msg-43',
      properties: {
        messageId: 'msg-43',
        conversationId: 'conv-1',
        role: 'assistant',
        tokens: 230,
        model: 'gpt-4o',
        responseTimeMs: 1500,
        inputTokens: 80,
        outputTokens: 150,
      },
    });
  });

  it('maps the camelCase equivalent, responseTime in milliseconds', () => {
    const item = {
      messageId: 7,
      conversationId: 'conv-2',
      userId: 'u2',
      role: 'User',
      tokenCount: '12',
      modelUsed: 'gpt-4o-mini',
      responseTime: 820,
      inputTokens: 12,
    };
    expect(translate('message', item)).toEqual({
      event: 'message.sent',
      userId: 'u2',
      messageId: 'message.sent:conv-2:7',
      properties: {
        messageId: '7',
        conversationId: 'conv-2',
        role: 'user',
        tokens: 12,
        model: 'gpt-4o-mini',
        responseTimeMs: 820,
        inputTokens: 12,
      },
    });
  });

  it('keeps the text, channel and agent, for insights and per-resource reports', () => {
    const out = translate('message', {
      message_id: 'm1',
      conversation_id: 'c1',
      role: 'user',
      content: 'My order never arrived, this is terrible',
      channel_id: 'whatsapp',
      agent_id: 'support-bot',
    });
    expect(out).toMatchObject({
      properties: {
        content: 'My order never arrived, this is terrible',
        channel: 'whatsapp',
        agentId: 'support-bot',
      },
    });
  });

  it('keeps messageIds of different messages apart even when ids contain colons', () => {
    const a = accepted('message', { message_id: 'b:c', conversation_id: 'a', user_id: 'u' });
    const b = accepted('message', { message_id: 'c', conversation_id: 'a:b', user_id: 'u' });
    expect(a.messageId).not.toBe(b.messageId);
  });

  it('keeps the messageId within 200 characters for long ids, stable across retries', () => {
    const item = { message_id: 'm'.repeat(150), conversation_id: 'c'.repeat(150), user_id: 'u' };
    const first = accepted('message', item).messageId ?? '';
    const retry = accepted('message', { ...item }).messageId;
    const other = accepted('message', { ...item, message_id: 'n'.repeat(150) }).messageId;
    expect(first.startsWith('message.sent:')).toBe(true);
    expect(first.length).toBeLessThanOrEqual(200);
    expect(retry).toBe(first);
    expect(other).not.toBe(first);
  });

  it.each([
    [{ conversation_id: 'c', role: 'user' }, 'message_id is required'],
    [{ message_id: 'm', role: 'user' }, 'conversation_id is required'],
    [
      { message_id: 'm', conversation_id: 'c', role: 'bot' },
      'role must be one of user, assistant, system, tool',
    ],
    [
      { message_id: 'm', conversation_id: 'c', tokens: -1 },
      'tokens must be an integer from 0 to 1000000000',
    ],
    [
      { message_id: 'm', conversation_id: 'c', token_count: 'many' },
      'token_count must be an integer from 0 to 1000000000',
    ],
    [
      { message_id: 'm', conversation_id: 'c', response_time: 'slow' },
      'response_time must be a number of seconds from 0 to 86400',
    ],
    [
      { message_id: 'm', conversation_id: 'c', responseTime: -5 },
      'responseTime must be a number of milliseconds from 0 to 86400000',
    ],
  ])('rejects %j: %s', (item, reason) => {
    expect(translate('message', item)).toEqual({ reason });
  });
});

describe('translate event (POST /v1/events and /v1/events/bulk)', () => {
  it("maps the CRM seed's event, taking the user and channel from event_data", () => {
    const item = {
      event_type: 'message_sent',
      event_data: { channel_id: '123', user_id: '456' },
      tenant_id: 'tenant-1',
    };
    expect(translate('event', item)).toEqual({
      event: 'message_sent',
      userId: '456',
      properties: { channel_id: '123', user_id: '456', channel: '123', tenantId: 'tenant-1' },
    });
  });

  it("maps the agent seed's camelCase event, responseTime in ms counting as responseTimeMs", () => {
    const item = {
      eventType: 'message.sent',
      resourceType: 'agent',
      resourceId: 'agent-uuid',
      properties: { responseTime: 1200, tokens: 150 },
    };
    expect(translate('event', item)).toEqual({
      event: 'message.sent',
      properties: {
        responseTime: 1200,
        tokens: 150,
        responseTimeMs: 1200,
        resourceType: 'agent',
        resourceId: 'agent-uuid',
      },
    });
  });

  it('merges event_data and properties (properties win); top-level fields win over both', () => {
    const item = {
      event_type: 'feedback.submitted',
      user_id: 'u1',
      event_data: { rating: 2, comment: 'slow', channel: 'web' },
      properties: { rating: 5 },
      resource_type: 'workflow',
      resource_id: 99,
      channel_id: 'sms',
      messageId: 'fb-1',
    };
    expect(translate('event', item)).toEqual({
      event: 'feedback.submitted',
      userId: 'u1',
      messageId: 'fb-1',
      properties: {
        rating: 5,
        comment: 'slow',
        channel: 'sms',
        resourceType: 'workflow',
        resourceId: '99',
      },
    });
  });

  it('accepts a Segment-style event field and converts report numbers sent as strings', () => {
    const item = {
      event: 'api.request',
      userId: 'u1',
      properties: { status_code: '503', token_count: '150', model_used: 'gpt-4o' },
    };
    expect(translate('event', item)).toEqual({
      event: 'api.request',
      userId: 'u1',
      properties: {
        status_code: '503',
        token_count: '150',
        model_used: 'gpt-4o',
        statusCode: 503,
        tokens: 150,
        model: 'gpt-4o',
      },
    });
  });

  it('keeps ill-formed values inside the event data as sent instead of rejecting the event', () => {
    const item = { event_type: 'x', event_data: { tokens: 'lots', channel_id: { a: 1 } } };
    expect(translate('event', item)).toEqual({
      event: 'x',
      properties: { tokens: 'lots', channel_id: { a: 1 } },
    });
  });

  it.each([
    [{ event_data: { a: 1 } }, 'event_type is required'],
    [{ eventType: '' }, 'event_type is required'],
    [{ event_type: 'x'.repeat(201) }, 'event_type must be a string of at most 200 characters'],
    [{ event_type: 'x', event_data: 'a=1' }, 'event_data must be a JSON object'],
    [{ event_type: 'x', properties: [1, 2] }, 'properties must be a JSON object'],
    [
      { event_type: 'x', resource_id: true },
      'resource_id must be a string of at most 256 characters or a number',
    ],
    [{ event_type: 'x', messageId: 12 }, 'messageId must be a string of at most 200 characters'],
  ])('rejects %j: %s', (item, reason) => {
    expect(translate('event', item)).toEqual({ reason });
  });
});

describe('translate: fields common to every endpoint', () => {
  const login = { user_id: 'u1', activity_type: 'login' };

  it.each([
    ['2024-11-27T10:00:00Z', '2024-11-27T10:00:00.000Z'],
    ['2024-11-27T11:00:00.123456+01:00', '2024-11-27T10:00:00.123Z'],
    ['2024-11-27T10:00:00.123456', '2024-11-27T10:00:00.123Z'],
    ['2024-11-27 10:00:00', '2024-11-27T10:00:00.000Z'],
    [1732701600, '2024-11-27T10:00:00.000Z'],
    [1732701600.25, '2024-11-27T10:00:00.250Z'],
    [1732701600250, '2024-11-27T10:00:00.250Z'],
    ['1732701600', '2024-11-27T10:00:00.000Z'],
  ])('reads timestamp %j as %s (UTC when no zone is given)', (timestamp, iso) => {
    expect(accepted('activity', { ...login, timestamp }).timestamp).toBe(iso);
  });

  it.each(['yesterday', -5, true])('rejects timestamp %j', (timestamp) => {
    expect(translate('activity', { ...login, timestamp })).toEqual({
      reason: 'timestamp must be an ISO-8601 date-time or epoch seconds or milliseconds',
    });
  });

  it('takes anonymous ids in both spellings', () => {
    const call = { endpoint: '/a', method: 'GET', status_code: 200 };
    expect(accepted('api-usage', { ...call, anonymous_id: 'a1' }).anonymousId).toBe('a1');
    expect(accepted('api-usage', { ...call, anonymousId: 7 }).anonymousId).toBe('7');
  });

  it('merges a context object, the explicit ip and user agent winning', () => {
    const item = {
      ...login,
      ip_address: '198.51.100.4',
      context: { ip: '10.0.0.1', locale: 'fr-FR', page: { path: '/login' } },
    };
    expect(accepted('activity', item).context).toEqual({
      ip: '198.51.100.4',
      locale: 'fr-FR',
      page: { path: '/login' },
    });
  });

  it('rejects a context that is not an object', () => {
    expect(translate('activity', { ...login, context: 'web' })).toEqual({
      reason: 'context must be a JSON object',
    });
  });

  it('honours idempotency_key as the messageId where no domain id exists', () => {
    expect(accepted('activity', { ...login, idempotency_key: 'k1' }).messageId).toBe('k1');
    expect(accepted('event', { event_type: 'x', idempotencyKey: 'k2' }).messageId).toBe('k2');
    const update = { conversation_id: 'c', idempotency_key: 'k3' };
    expect(accepted('conversation', update).messageId).toBeUndefined();
  });
});
