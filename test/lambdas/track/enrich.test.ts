import { beforeAll, describe, expect, it } from 'vitest';
import type { TallyEvent } from '../../../lambdas/model/events.ts';
import { type EnrichOptions, enrich, loadUserAgentParser } from '../../../lambdas/track/enrich.ts';

// judge() loads it with the first event carrying a user agent (test/lambdas/track/user-agent-load.test.ts).
beforeAll(() => loadUserAgentParser());

const SECRET = 'k3J9v2Lq8ZxR4mT7wB1nY6cH0dF5gS2a';
const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  iphoneSafari:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  galaxyTab:
    'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.107 Safari/537.36',
  googlebot:
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36',
  curl: 'curl/8.5.0',
};

const truncate: EnrichOptions = { ipMode: 'truncate', botMode: 'flag' };
const hash: EnrichOptions = { ipMode: 'hash', ipHashSecret: SECRET, botMode: 'flag' };
const drop: EnrichOptions = { ipMode: 'drop', botMode: 'flag' };

/** A `track` call as normalize() leaves it. */
function trackEvent(
  context: Record<string, unknown> = {},
  receivedAt = '2026-11-22T12:00:00.000Z',
): TallyEvent {
  return {
    messageId: 'c7a1f0de-4b8e-4f51-9d0a-2f6b1c3e9a11',
    projectId: 'p1',
    type: 'track',
    event: 'message.sent',
    userId: 'user-42',
    timestamp: receivedAt,
    receivedAt,
    properties: { model: 'gpt-4o', tokens: 812 },
    traits: {},
    context,
  };
}

/** A `page` call from analytics.js in desktop Chrome. */
function pageEvent(
  properties: Record<string, unknown>,
  context: Record<string, unknown> = {},
): TallyEvent {
  return {
    messageId: 'f4e3d2c1-0b9a-4c8d-8e7f-6a5b4c3d2e1f',
    projectId: 'p1',
    type: 'page',
    name: 'Pricing',
    anonymousId: '0b6c1f1e-7f7a-4d0e-9a43-5d1c2b3a4e5f',
    timestamp: '2026-11-22T12:00:00.000Z',
    receivedAt: '2026-11-22T12:00:00.000Z',
    properties,
    traits: {},
    context: { userAgent: UA.chromeWindows, library: { name: 'analytics.js' }, ...context },
  };
}

describe('enrich: IP address', () => {
  it('truncates an IPv4 address to its /24', () => {
    const { event } = enrich(trackEvent({ ip: '203.0.113.77' }), '198.51.100.23', truncate);
    expect(event.context.ip).toBe('203.0.113.0');
  });

  it("truncates the caller's IPv6 address to its /48 when the event carries none", () => {
    const { event } = enrich(trackEvent(), '2001:db8:85a3:8d3:1319:8a2e:370:7348', truncate);
    expect(event.context.ip).toBe('2001:db8:85a3::');
  });

  it('hashes an address to the same value all day, so distinct visitors per day still count', () => {
    const morning = enrich(trackEvent({}, '2026-11-22T00:00:01.000Z'), '203.0.113.77', hash);
    const evening = enrich(trackEvent({}, '2026-11-22T23:59:59.000Z'), '203.0.113.77', hash);
    expect(morning.event.context.ip).toMatch(/^h:[0-9a-f]{32}$/);
    expect(evening.event.context.ip).toBe(morning.event.context.ip);
  });

  it('hashes the same address differently on another day, so days cannot be linked', () => {
    const monday = enrich(trackEvent({}, '2026-11-23T09:00:00.000Z'), '203.0.113.77', hash);
    const tuesday = enrich(trackEvent({}, '2026-11-24T09:00:00.000Z'), '203.0.113.77', hash);
    expect(tuesday.event.context.ip).not.toBe(monday.event.context.ip);
  });

  it('hashes another address, even a neighbour in the same /24, differently', () => {
    const a = enrich(trackEvent(), '203.0.113.77', hash);
    const b = enrich(trackEvent(), '203.0.113.78', hash);
    expect(b.event.context.ip).not.toBe(a.event.context.ip);
  });

  it('hashes two spellings of one address equally', () => {
    const plain = enrich(trackEvent(), '192.0.2.128', hash);
    const mapped = enrich(trackEvent(), '::ffff:192.0.2.128', hash);
    const long = enrich(trackEvent(), '2001:0DB8:0000:0000:0000:0000:0000:0001', hash);
    const short = enrich(trackEvent(), '2001:db8::1', hash);
    expect(mapped.event.context.ip).toBe(plain.event.context.ip);
    expect(long.event.context.ip).toBe(short.event.context.ip);
  });

  it('refuses to hash without a long enough secret rather than store weak hashes', () => {
    expect(() =>
      enrich(trackEvent(), '203.0.113.77', { ...hash, ipHashSecret: 'short' }),
    ).toThrowError(/at least 32 characters/);
  });

  it('stores no address at all in drop mode', () => {
    const { event } = enrich(trackEvent({ ip: '203.0.113.77' }), '198.51.100.23', drop);
    expect(event.context).not.toHaveProperty('ip');
  });

  describe.each([
    ['truncate', truncate],
    ['hash', hash],
    ['drop', drop],
  ])('in %s mode', (_mode, options) => {
    it.each([
      ['an IPv4 address in context.ip', { ip: '203.0.113.77' }, undefined, '203.0.113.77'],
      ["the caller's IPv4 address", {}, '198.51.100.23', '198.51.100.23'],
      [
        'an IPv6 address in context.ip',
        { ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348' },
        undefined,
        '370:7348',
      ],
    ])('leaves nothing of %s in the stored event', (_what, context, sourceIp, raw) => {
      const { event } = enrich(trackEvent(context), sourceIp, options);
      expect(JSON.stringify(event)).not.toContain(raw);
    });

    it('removes an invalid address instead of storing it', () => {
      const { event } = enrich(
        trackEvent({ ip: '203.0.113.77, 10.0.0.1' }),
        '198.51.100.23',
        options,
      );
      expect(event.context).not.toHaveProperty('ip');
      expect(JSON.stringify(event)).not.toContain('203.0.113');
    });
  });
});

describe('enrich: user agent', () => {
  it('reads desktop Chrome on Windows', () => {
    const { event, bot } = enrich(trackEvent({ userAgent: UA.chromeWindows }), undefined, truncate);
    expect(bot).toBe(false);
    expect(event.context).toMatchObject({
      browser: { name: 'Chrome', version: '131.0.0.0' },
      os: { name: 'Windows', version: 'NT 10.0' },
      device: { type: 'desktop' },
    });
    expect(event.context).not.toHaveProperty('bot');
  });

  it('reads Safari on an iPhone', () => {
    const { event } = enrich(trackEvent({ userAgent: UA.iphoneSafari }), undefined, truncate);
    expect(event.context).toMatchObject({
      browser: { name: 'Safari', version: '18.1' },
      os: { name: 'iOS', version: '18.1' },
      device: { type: 'mobile' },
    });
  });

  it('reads Chrome on an Android tablet', () => {
    const { event } = enrich(trackEvent({ userAgent: UA.galaxyTab }), undefined, truncate);
    expect(event.context).toMatchObject({
      browser: { name: 'Chrome', version: '130.0.6723.107' },
      os: { name: 'Android', version: '14' },
      device: { type: 'tablet' },
    });
  });

  it('keeps what the client library already said about the device, OS and browser', () => {
    // What Segment's iOS library sends from a native app.
    const context = {
      userAgent: UA.iphoneSafari,
      os: { name: 'iPadOS', version: '18.1.1' },
      device: { type: 'ios', manufacturer: 'Apple', model: 'iPad14,1' },
      browser: { name: 'WKWebView' },
    };
    const { event } = enrich(trackEvent(context), undefined, truncate);
    expect(event.context.os).toEqual(context.os);
    expect(event.context.device).toEqual(context.device);
    expect(event.context.browser).toEqual(context.browser);
  });

  it('adds the device type next to device fields the client set', () => {
    const context = { userAgent: UA.galaxyTab, device: { id: 'f1e2d3', manufacturer: 'samsung' } };
    const { event } = enrich(trackEvent(context), undefined, truncate);
    expect(event.context.device).toEqual({ id: 'f1e2d3', manufacturer: 'samsung', type: 'tablet' });
  });

  it('adds only what it can read from a user agent, with no empty or undefined fields', () => {
    // bowser finds the Safari engine of a PlayStation 5, but no version, OS or device type.
    const userAgent =
      'Mozilla/5.0 (PlayStation; PlayStation 5/6.50) AppleWebKit/605.1.15 (KHTML, like Gecko)';
    const { event } = enrich(trackEvent({ userAgent }), undefined, truncate);
    expect(event.context).toStrictEqual({ userAgent, browser: { name: 'Safari' } });
  });

  it.each([
    ['no user agent', {}],
    ['an empty user agent', { userAgent: '' }],
    ['a number', { userAgent: 42 }],
    ['an object', { userAgent: { raw: UA.chromeWindows } }],
  ])('treats %s as an unknown human visitor', (_what, context) => {
    const { event, bot } = enrich(trackEvent(context), undefined, truncate);
    expect(bot).toBe(false);
    expect(event.context).not.toHaveProperty('browser');
    expect(event.context).not.toHaveProperty('bot');
  });
});

describe('enrich: bots', () => {
  it('flags Googlebot and keeps its event in flag mode', () => {
    const { event, bot } = enrich(trackEvent({ userAgent: UA.googlebot }), undefined, truncate);
    expect(bot).toBe(true);
    expect(event.context).toMatchObject({
      bot: true,
      browser: { name: 'Googlebot', version: '2.1' },
      device: { type: 'bot' },
    });
  });

  it('reports Googlebot for the caller to refuse in drop mode, still enriched', () => {
    const options: EnrichOptions = { ...truncate, botMode: 'drop' };
    const { event, bot } = enrich(trackEvent({ userAgent: UA.googlebot }), '203.0.113.77', options);
    expect(bot).toBe(true);
    expect(event.context).toMatchObject({ ip: '203.0.113.0', device: { type: 'bot' } });
  });

  it('counts curl as a bot when it is the event user agent, as isbot does', () => {
    // isbot 5 lists curl (and python-requests, okhttp, axios…) as non-human clients.
    const { event, bot } = enrich(trackEvent({ userAgent: UA.curl }), undefined, truncate);
    expect(bot).toBe(true);
    expect(event.context.bot).toBe(true);
  });

  it('does not count a server-side call made with curl, which carries no context.userAgent', () => {
    // The request's own User-Agent header never reaches enrich: only the event's context does.
    const { bot } = enrich(trackEvent({ library: { name: 'curl' } }), '198.51.100.23', truncate);
    expect(bot).toBe(false);
  });
});

describe('enrich: pages', () => {
  const url =
    'https://www.example.com/pricing?plan=team&utm_source=newsletter&utm_medium=email&utm_campaign=black-friday-2026&utm_content=hero-button';

  it('fills path, search, referrer host and the campaign from the page URL', () => {
    const page = pageEvent({
      url,
      title: 'Pricing – Example',
      referrer: 'https://news.ycombinator.com/item?id=42424242',
    });
    const { event } = enrich(page, '203.0.113.77', truncate);
    expect(event.properties).toMatchObject({
      url,
      path: '/pricing',
      search:
        '?plan=team&utm_source=newsletter&utm_medium=email&utm_campaign=black-friday-2026&utm_content=hero-button',
      referrerHost: 'news.ycombinator.com',
    });
    expect(event.context.campaign).toEqual({
      source: 'newsletter',
      medium: 'email',
      name: 'black-friday-2026',
      content: 'hero-button',
    });
  });

  it('reads the URL and referrer from context.page when properties lack them', () => {
    const page = pageEvent(
      {},
      {
        page: {
          url: 'https://app.example.com/chat/new?utm_source=g2',
          referrer: 'https://www.g2.com/products/example',
        },
      },
    );
    const { event } = enrich(page, undefined, truncate);
    expect(event.properties).toEqual({
      path: '/chat/new',
      search: '?utm_source=g2',
      referrerHost: 'www.g2.com',
    });
    expect(event.context.campaign).toEqual({ source: 'g2' });
  });

  it('keeps the path, search and campaign the client sent', () => {
    const campaign = { name: 'spring', source: 'partner' };
    const page = pageEvent({ url, path: '/pricing/', search: '?plan=team' }, { campaign });
    const { event } = enrich(page, undefined, truncate);
    expect(event.properties).toMatchObject({ path: '/pricing/', search: '?plan=team' });
    expect(event.context.campaign).toEqual(campaign);
  });

  it('adds no campaign and no search for a URL without a query', () => {
    const { event } = enrich(
      pageEvent({ url: 'https://www.example.com/docs' }),
      undefined,
      truncate,
    );
    expect(event.properties).toEqual({ url: 'https://www.example.com/docs', path: '/docs' });
    expect(event.context).not.toHaveProperty('campaign');
  });

  it.each([
    ['a relative URL', { url: '/pricing?utm_source=x', referrer: 'news.ycombinator.com' }, {}],
    ['a URL that is not a string', { url: 42, referrer: ['https://example.com'] }, {}],
    ['context.page that is not an object', {}, { page: 'https://www.example.com/pricing' }],
    ['a URL that does not parse', { url: 'http://[::1/pricing', referrer: 'https://' }, {}],
  ])('leaves a page with %s as sent', (_what, properties, context) => {
    const page = pageEvent(properties, context);
    const { event } = enrich(page, undefined, truncate);
    expect(event.properties).toEqual(properties);
    expect(event.context).not.toHaveProperty('campaign');
  });

  it('does not read page fields into other event types', () => {
    const event = { ...trackEvent(), properties: { url } };
    const result = enrich(event, undefined, truncate);
    expect(result.event.properties).toEqual({ url });
    expect(result.event.context).not.toHaveProperty('campaign');
  });
});

describe('enrich: input', () => {
  it('returns a new event and leaves the input as it was', () => {
    const page = pageEvent(
      { url: 'https://www.example.com/?utm_source=x', referrer: 'https://t.co/abc' },
      { ip: '203.0.113.77', device: { id: 'd1' }, page: { path: '/' } },
    );
    const before = structuredClone(page);
    const { event } = enrich(page, '198.51.100.23', hash);
    expect(page).toEqual(before);
    expect(event).not.toBe(page);
    expect(event.context.ip).not.toBe('203.0.113.77');
  });
});
