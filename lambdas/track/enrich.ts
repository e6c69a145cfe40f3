/**
 * Privacy and enrichment of one normalised event on the track hot path: the IP policy, the
 * parsed user agent, the bot flag, and the page fields reports group by.
 */
// bowser rather than ua-parser-js: MIT, maintained, already a dependency of the AWS SDK; ua-parser-js v2 is AGPL.
import { getParser } from 'bowser';
import { isbot } from 'isbot';
import type { PrivacyConfig } from '../contract/config/track.ts';
import type { TallyEvent } from '../model/events.ts';
import { isRecord } from '../model/values.ts';
import { anonymizeIp, hashIp } from './privacy.ts';

/** How `enrich` treats addresses and bots: the track function's privacy settings. */
export type EnrichOptions = PrivacyConfig;

/** What a user agent says, shared by every event that carries it: frozen so none can alter it. */
interface UaFacts {
  browser: Readonly<{ name: string; version?: string }> | undefined;
  os: Readonly<{ name: string; version?: string }> | undefined;
  deviceType: string | undefined;
  bot: boolean;
}

const NO_FACTS: UaFacts = Object.freeze({
  browser: undefined,
  os: undefined,
  deviceType: undefined,
  bot: false,
});

// A batch mostly repeats a few user agents, and parsing one costs ~10 µs; a lookup costs ~0.1.
const UA_CACHE_ENTRIES = 1000;
// Longer strings are not real browsers; not caching them bounds the cache to ~0.5 MB.
const UA_CACHE_MAX_LENGTH = 512;
const uaCache = new Map<string, UaFacts>();

const CAMPAIGN_PARAMS = [
  ['utm_source', 'source'],
  ['utm_medium', 'medium'],
  ['utm_campaign', 'name'],
  ['utm_term', 'term'],
  ['utm_content', 'content'],
] as const;

/** Privacy and enrichment of one normalised event: IP policy, parsed user agent, bot flag, page fields. Returns the enriched event (a new object, the input is not mutated) and whether it is a bot. */
export function enrich(
  event: TallyEvent,
  sourceIp: string | undefined,
  options: EnrichOptions,
): { event: TallyEvent; bot: boolean } {
  const input: Record<string, unknown> = isRecord(event.context) ? event.context : {};
  const ip = protectIp(input, sourceIp, event.receivedAt, options);
  let context: Record<string, unknown>;
  if (ip !== undefined) {
    context = { ...input };
    context.ip = ip;
  } else if ('ip' in input) {
    // A rest copy rather than `delete`, which would turn the object into a slow dictionary.
    const { ip: _raw, ...rest } = input;
    context = rest;
  } else {
    context = { ...input };
  }

  const ua = context.userAgent;
  const facts = typeof ua === 'string' && ua !== '' ? uaFacts(ua) : NO_FACTS;
  if (facts.browser !== undefined && context.browser === undefined) context.browser = facts.browser;
  if (facts.os !== undefined && context.os === undefined) context.os = facts.os;
  if (facts.deviceType !== undefined) {
    const device = context.device;
    if (device === undefined) context.device = { type: facts.deviceType };
    else if (isRecord(device) && device.type === undefined) {
      context.device = { ...device, type: facts.deviceType };
    }
  }
  if (facts.bot && options.botMode === 'flag') context.bot = true;

  const result: TallyEvent = { ...event, context };
  if (event.type === 'page' && isRecord(event.properties)) {
    const properties = pageProperties(event.properties, context);
    if (properties !== undefined) result.properties = properties;
  }
  return { event: result, bot: facts.bot };
}

/** The stored form of the event's address under the IP policy; `undefined` to store none. */
function protectIp(
  context: Record<string, unknown>,
  sourceIp: string | undefined,
  receivedAt: string,
  options: EnrichOptions,
): string | undefined {
  const raw = typeof context.ip === 'string' ? context.ip : sourceIp;
  if (typeof raw !== 'string' || options.ipMode === 'drop') return undefined;
  // The salt's day is the UTC day the server received the event (an ISO string it set itself).
  if (options.ipMode === 'hash') return hashIp(raw, options.ipHashSecret, receivedAt.slice(0, 10));
  return anonymizeIp(raw);
}

function uaFacts(ua: string): UaFacts {
  const cached = uaCache.get(ua);
  if (cached !== undefined) return cached;
  const facts = parseUa(ua);
  if (ua.length <= UA_CACHE_MAX_LENGTH) {
    if (uaCache.size >= UA_CACHE_ENTRIES) {
      const oldest = uaCache.keys().next().value;
      if (oldest !== undefined) uaCache.delete(oldest);
    }
    uaCache.set(ua, facts);
  }
  return facts;
}

function parseUa(ua: string): UaFacts {
  const bot = isbot(ua);
  try {
    // Lazy parser: the engine, which nothing stores, is never parsed.
    const parser = getParser(ua, true);
    const b = parser.getBrowser();
    const o = parser.getOS();
    return Object.freeze({
      browser: nameAndVersion(b.name, b.version),
      os: nameAndVersion(o.name, o.version),
      deviceType: parser.getPlatformType() || undefined,
      bot,
    });
  } catch {
    // A parser bug on an odd string must cost the event its UA fields, not the event itself.
    return bot ? Object.freeze({ ...NO_FACTS, bot }) : NO_FACTS;
  }
}

function nameAndVersion(
  name: string | undefined,
  version: string | undefined,
): Readonly<{ name: string; version?: string }> | undefined {
  if (!name) return undefined;
  return Object.freeze(version ? { name, version } : { name });
}

/**
 * Page properties with `path`, `search` and `referrerHost` filled in where absent, and
 * `context.campaign` set from the URL's `utm_*` parameters when the client sent none.
 * `undefined` when there is nothing to add, so the input object is reused.
 */
function pageProperties(
  properties: Record<string, unknown>,
  context: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const page = isRecord(context.page) ? context.page : undefined;
  let out: Record<string, unknown> | undefined;

  const wantsUrl =
    properties.path === undefined ||
    properties.search === undefined ||
    context.campaign === undefined;
  const url = wantsUrl ? parseUrl(stringOr(properties.url, page?.url)) : undefined;
  if (url !== undefined) {
    if (properties.path === undefined && url.pathname !== '') {
      out ??= { ...properties };
      out.path = url.pathname;
    }
    // An empty search is not stored, so reports do not show an empty-string value.
    if (properties.search === undefined && url.search !== '') {
      out ??= { ...properties };
      out.search = url.search;
    }
    if (context.campaign === undefined && url.search !== '') {
      const campaign = campaignOf(url.searchParams);
      if (campaign !== undefined) context.campaign = campaign;
    }
  }

  if (properties.referrerHost === undefined) {
    const referrer = parseUrl(stringOr(properties.referrer, page?.referrer));
    if (referrer !== undefined && referrer.hostname !== '') {
      out ??= { ...properties };
      out.referrerHost = referrer.hostname;
    }
  }
  return out;
}

function campaignOf(params: URLSearchParams): Record<string, string> | undefined {
  let campaign: Record<string, string> | undefined;
  for (const [param, field] of CAMPAIGN_PARAMS) {
    const value = params.get(param);
    if (value) {
      campaign ??= {};
      campaign[field] = value;
    }
  }
  return campaign;
}

function parseUrl(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function stringOr(first: unknown, second: unknown): string | undefined {
  if (typeof first === 'string') return first;
  return typeof second === 'string' ? second : undefined;
}
