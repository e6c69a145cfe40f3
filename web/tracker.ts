/**
 * Tally's browser tracker, served as `/t.js` by the tracking API (docs/tracking.md "From the
 * browser"). One tag installs it:
 *
 *   <script defer src="https://<TrackingApi>/t.js" data-key="tk_…"></script>
 *
 * It sends a Segment `page` call on load and on every single-page-app navigation (history
 * `pushState`/`replaceState` and `popstate`), and `tally('Event name', { …props })` sends a
 * `track` call; calls made before it loaded wait in `tally.q` (the snippet in docs/tracking.md).
 * No cookie, no storage, no identifier: the tracking API derives a visitor from the request, with
 * a salt that changes every day. With Do-Not-Track or Global Privacy Control on it sends nothing.
 * sendBeacon cannot set headers, so the write key travels in the body and the body is
 * `text/plain` (a CORS-simple request: no preflight). Built by scripts/tracker.ts into
 * lambdas/track/tracker-script.ts; its gzipped size is checked there (≤ 1 KB).
 */

type Props = Record<string, unknown>;
type Tally = ((event: string, properties?: Props) => void) & { q?: IArguments[] };

((w: Window & { tally?: Tally; doNotTrack?: string }, d: Document) => {
  const script = d.currentScript as HTMLScriptElement | null;
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean; msDoNotTrack?: string };
  const queued = w.tally?.q ?? [];
  const off =
    !script ||
    nav.globalPrivacyControl === true ||
    [nav.doNotTrack, w.doNotTrack, nav.msDoNotTrack].some((v) => v === '1' || v === 'yes');
  if (off) {
    // The page's own calls keep working; they send nothing.
    w.tally = () => {};
    return;
  }
  const api = script.dataset.api ?? new URL(script.src).origin;
  const key = script.dataset.key;
  const loc = w.location;

  const send = (type: string, body: Props) => {
    const url = `${api}/v1/${type}`;
    const payload = JSON.stringify({
      writeKey: key,
      ...body,
      timestamp: new Date().toISOString(),
      context: {
        library: { name: 'tally.js', version: '1' },
        locale: nav.language,
        page: { url: loc.href, path: loc.pathname, title: d.title },
        screen: { width: screen.width, height: screen.height },
      },
    });
    if (!nav.sendBeacon?.(url, payload)) {
      fetch(url, { method: 'POST', body: payload, keepalive: true }).catch(() => {});
    }
  };

  let last: string | undefined;
  const page = () => {
    // A hash change or a replaceState that keeps the address is not a new page.
    const here = loc.href.split('#')[0];
    if (here === last) return;
    const properties: Props = {
      url: loc.href,
      path: loc.pathname,
      search: loc.search,
      title: d.title,
    };
    // The document's referrer belongs to the first page only: later pages came from this site.
    if (last === undefined && d.referrer) properties.referrer = d.referrer;
    last = here;
    send('page', { properties });
  };

  const tally: Tally = (event, properties) => {
    if (typeof event === 'string' && event) send('track', { event, properties: properties ?? {} });
  };
  w.tally = tally;

  const history = w.history;
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args);
      page();
    };
  }
  w.addEventListener('popstate', page);
  page();
  // The snippet queued each call's `arguments`.
  for (const call of queued) tally(...(Array.from(call) as [string, Props]));
})(window, document);
