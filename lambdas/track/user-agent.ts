/**
 * What a user agent says: browser, OS, device type and whether it is a bot, parsed with bowser
 * and isbot, cached per container. Loaded by enrich.ts with the first event that carries a user
 * agent, not at module init: server-side clients send none (docs/performance.md "Cold start").
 */
// bowser rather than ua-parser-js: MIT, maintained, already a dependency of the AWS SDK; ua-parser-js v2 is AGPL.
import { getParser } from 'bowser';
import { isbot } from 'isbot';

/** What a user agent says, shared by every event that carries it: frozen so none can alter it. */
export interface UaFacts {
  browser: Readonly<{ name: string; version?: string }> | undefined;
  os: Readonly<{ name: string; version?: string }> | undefined;
  deviceType: string | undefined;
  bot: boolean;
}

export const NO_FACTS: UaFacts = Object.freeze({
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

/** The facts of `ua`, from the cache when it was seen before. */
export function uaFacts(ua: string): UaFacts {
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
