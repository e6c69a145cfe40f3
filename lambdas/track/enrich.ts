/**
 * Privacy and enrichment of one normalised event on the track hot path: the IP policy, the
 * parsed user agent, the bot flag, and the page fields reports group by.
 */
import type { PrivacyConfig } from '../contract/config/track.ts';
import type { TallyEvent } from '../model/events.ts';
import { isRecord } from '../model/values.ts';
import { anonymizeIp, hashIp } from './privacy.ts';

/** How `enrich` treats addresses and bots: the track function's privacy settings. */
export type EnrichOptions = PrivacyConfig;

/** The user-agent parser, once `loadUserAgentParser` has loaded it. */
let userAgents: typeof import('./user-agent.ts') | undefined;

/**
 * Loads the user-agent parser (bowser and isbot), once per container; `enrich` parses user agents
 * only after it has resolved (`judge` sees to it). The module map dedupes concurrent loads, and a
 * failed load leaves the parser unloaded, so the next call tries again.
 */
export async function loadUserAgentParser(): Promise<void> {
  userAgents ??= await import('./user-agent.ts');
}

/** True once `enrich` can parse user agents. */
export const userAgentParserLoaded = (): boolean => userAgents !== undefined;

/** The user agent an event's context carries, which `enrich` parses; undefined for none. */
export function userAgentOf(context: unknown): string | undefined {
  const ua = isRecord(context) ? context.userAgent : undefined;
  return typeof ua === 'string' && ua !== '' ? ua : undefined;
}

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

  const ua = userAgentOf(context);
  const facts = ua !== undefined && userAgents ? userAgents.uaFacts(ua) : undefined;
  if (facts?.browser !== undefined && context.browser === undefined)
    context.browser = facts.browser;
  if (facts?.os !== undefined && context.os === undefined) context.os = facts.os;
  if (facts?.deviceType !== undefined) {
    const device = context.device;
    if (device === undefined) context.device = { type: facts.deviceType };
    else if (isRecord(device) && device.type === undefined) {
      context.device = { ...device, type: facts.deviceType };
    }
  }
  const bot = facts?.bot ?? false;
  if (bot && options.botMode === 'flag') context.bot = true;

  const result: TallyEvent = { ...event, context };
  if (event.type === 'page' && isRecord(event.properties)) {
    const properties = pageProperties(event.properties, context);
    if (properties !== undefined) result.properties = properties;
  }
  return { event: result, bot };
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
