/**
 * Cross-origin access to the API, for a product's own admin UI that embeds `<tally-panel>` (see
 * docs/dashboard.md): which origins, methods and headers. API Gateway applies it in AWS
 * (lib/http-api.ts, `-c corsOrigins=`) and the local twin the same way (local/server.ts,
 * TALLY_CORS_ORIGINS). The dashboard itself is same-origin and needs none of it.
 */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type'];
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'DELETE'];
export const CORS_MAX_AGE_SECONDS = 600;

/** A comma-separated list of origins (`https://admin.example.com`), each checked. */
export function parseOrigins(value: string | undefined, name: string): string[] {
  const origins = (value ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of origins) {
    let ok = false;
    try {
      const url = new URL(o);
      ok =
        url.origin === o &&
        (url.protocol === 'https:' || url.hostname === 'localhost' || url.hostname === '127.0.0.1');
    } catch {}
    if (!ok) {
      throw new Error(
        `${name} must list origins such as https://admin.example.com (no path; http only for localhost), got ${JSON.stringify(o)}`,
      );
    }
  }
  return origins;
}

/** The headers for a request from `origin`, or none when it is not allowed. */
export function corsHeaders(
  origin: string | undefined,
  allowed: readonly string[],
  preflight: boolean,
): Record<string, string> {
  if (!origin || !allowed.includes(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    vary: 'origin',
    ...(preflight
      ? {
          'access-control-allow-methods': CORS_ALLOW_METHODS.join(','),
          'access-control-allow-headers': CORS_ALLOW_HEADERS.join(','),
          'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
        }
      : {}),
  };
}

/**
 * The tracking routes' CORS, answered by the track function itself (and by the local twin through
 * it): any page may send events, so a preflight from any origin is answered and every answer
 * names the caller's origin. That is not the access control: write keys are, and a key limited
 * to origins refuses the others with 403 (lambdas/track/track.ts). No credentials (cookies) are
 * ever allowed. The tracker's own beacons are CORS-simple requests (text/plain, no header) and
 * need no preflight; Segment's analytics.js sends JSON with a preflight.
 */
export const TRACK_CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'content-encoding'];
export const TRACK_CORS_ALLOW_METHODS = ['POST', 'GET'];

/** The headers of a tracking route's answer to `origin` (none without one). */
export function trackCorsHeaders(
  origin: string | undefined,
  preflight: boolean,
): Record<string, string> {
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    vary: 'origin',
    ...(preflight
      ? {
          'access-control-allow-methods': TRACK_CORS_ALLOW_METHODS.join(','),
          'access-control-allow-headers': TRACK_CORS_ALLOW_HEADERS.join(','),
          'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
        }
      : {}),
  };
}
