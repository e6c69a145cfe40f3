/**
 * The side panel, as the `<tally-panel>` custom element: the six key metrics, the last 10
 * activities, the top 5 users. It refreshes every 30 s while open and the tab is visible, one
 * request at a time (the next is scheduled when the last has answered), and on demand. The
 * dashboard opens it from its header; a product embeds it from one script (README, "Embed the side
 * panel"):
 *
 *   <script type="module" src="https://tally.example.com/tally-panel.js"></script>
 *   <tally-panel api="https://tally.example.com" project="chat"></tally-panel>
 *   panel.getToken = async () => adminJwt;
 *
 * Shadow DOM keeps its styles and the host page's apart; every value is set as text (dom.ts).
 */

import { type Api, createApi } from './api.ts';
import { fill, h } from './dom.ts';
import { ago, fmt, ms } from './format.ts';
import type { DashboardBody } from './pages/overview.ts';

export const REFRESH_MS = 30_000;
const OPEN_KEY = 'tally.panel.open';

type TokenSource = () => Promise<string | undefined> | string | undefined;

const METRICS: [key: keyof DashboardBody['summary'], label: string, show: typeof fmt][] = [
  ['totalUsers', 'Total users', fmt],
  ['activeUsersToday', 'Active today', fmt],
  ['totalConversations', 'Conversations', fmt],
  ['totalMessages', 'Messages', fmt],
  ['totalTokens', 'Tokens', fmt],
  ['avgResponseTimeMs', 'Avg response', ms],
];

/** A symbol per kind of activity (decorative: the activity's name is beside it; plain glyphs that
 * common system fonts have, unlike emoji). */
export function iconOf(activity: string): string {
  const a = activity.toLowerCase();
  if (/message/.test(a)) return '✉';
  if (/conversation/.test(a)) return '☰';
  if (/login|sign(ed)? ?in/.test(a)) return '→';
  if (/sign(ed)? ?up|regist/.test(a)) return '✚';
  if (/logout|sign(ed)? ?out/.test(a)) return '←';
  if (/page|screen|view/.test(a)) return '▤';
  if (/api|request/.test(a)) return '⚙';
  if (/error|fail/.test(a)) return '⚠';
  return '•';
}

const STYLE = `
:host { position: fixed; top: 0; right: 0; bottom: 0; z-index: 1000; width: min(24rem, 100vw);
  transform: translateX(100%); transition: transform .2s ease-out, visibility .2s;
  visibility: hidden; font: 14px/1.4 system-ui, sans-serif;
  color: var(--text, CanvasText); background: var(--card, Canvas); color-scheme: light dark;
  box-shadow: -2px 0 12px #0003; overflow-y: auto; box-sizing: border-box; }
:host([open]) { transform: none; visibility: visible; }
:host([inline]) { position: static; transform: none; visibility: visible; width: auto;
  box-shadow: none; border: 1px solid #8884; border-radius: 8px; }
@media (prefers-reduced-motion: reduce) { :host { transition: none; } }
.head { display: flex; align-items: center; gap: .5rem; padding: .75rem 1rem;
  border-bottom: 1px solid #8884; position: sticky; top: 0; background: inherit; }
h2 { font-size: 1rem; margin: 0; flex: 1; }
h3 { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; margin: 1rem 0 .5rem;
  color: var(--muted, GrayText); }
.body { padding: 0 1rem 1rem; }
button { font: inherit; padding: .25rem .6rem; border-radius: 6px; border: 1px solid #8888;
  background: transparent; color: inherit; cursor: pointer; min-height: 2rem; }
button:focus-visible { outline: 2px solid var(--accent, #3858e9); outline-offset: 2px; }
.grid { display: grid; grid-template-columns: repeat(2, 1fr); gap: .5rem; }
.metric { border: 1px solid #8884; border-radius: 6px; padding: .5rem; }
.metric span { display: block; font-size: .75rem; color: var(--muted, GrayText); }
.metric strong { font-size: 1.25rem; font-variant-numeric: tabular-nums; }
ol { list-style: none; margin: 0; padding: 0; }
.icon { width: 1.25rem; text-align: center; color: var(--accent, #3858e9); }
li { display: flex; gap: .5rem; align-items: baseline; padding: .3rem 0; border-bottom: 1px solid #8882; }
.who { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.what { color: var(--muted, GrayText); font-size: .8rem; }
time { color: var(--muted, GrayText); font-size: .8rem; white-space: nowrap; }
.rank { display: inline-grid; place-items: center; width: 1.5rem; height: 1.5rem; border-radius: 50%;
  font-size: .75rem; font-weight: 700; background: #8883; }
.rank-1 { background: #f5c518; color: #000; } .rank-2 { background: #c0c0c8; color: #000; }
.rank-3 { background: #cd7f32; color: #000; }
.status { font-size: .75rem; color: var(--muted, GrayText); }
.error { color: var(--error, #c0392b); }
`;

export class TallyPanel extends HTMLElement {
  static observedAttributes = ['open', 'project', 'api'];
  #getToken: TokenSource | undefined;

  #root = this.attachShadow({ mode: 'open' });
  #api: Api | undefined;
  #timer: number | undefined;
  #inFlight = false;
  #last = 0;
  #status = h('p', { class: 'status', role: 'status' });
  #body = h('div', { class: 'body' });
  #refresh = h('button', { type: 'button', class: 'refresh' }, 'Refresh');

  connectedCallback() {
    if (!this.hasAttribute('aria-label')) this.setAttribute('aria-label', 'Analytics');
    this.setAttribute('role', 'complementary');
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close panel' }, '✕');
    close.addEventListener('click', () => this.toggle(false));
    this.#refresh.addEventListener('click', () => void this.refresh());
    fill(
      this.#root,
      h('style', {}, STYLE),
      h(
        'div',
        { class: 'head' },
        h('h2', {}, 'Analytics'),
        this.#refresh,
        this.hasAttribute('inline') ? null : close,
      ),
      h('div', { class: 'body' }, this.#status),
      this.#body,
    );
    if (this.remembers && localStorage.getItem(OPEN_KEY) === '1') this.setAttribute('open', '');
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#schedule(0);
  }

  disconnectedCallback() {
    clearTimeout(this.#timer);
    document.removeEventListener('visibilitychange', this.#onVisibility);
  }

  attributeChangedCallback(name: string, before: string | null, after: string | null) {
    if (before === after || !this.isConnected) return;
    if (name === 'api') this.#api = undefined;
    if (name === 'open' && this.remembers)
      localStorage.setItem(OPEN_KEY, after === null ? '0' : '1');
    // A newly opened panel, or another project, is stale: refresh now.
    this.#schedule(name === 'open' && after === null ? REFRESH_MS : 0);
  }

  /** Supplies the admin JWT (the product's own session); setting it loads the figures. */
  get getToken(): TokenSource | undefined {
    return this.#getToken;
  }

  set getToken(source: TokenSource | undefined) {
    this.#getToken = source;
    if (this.isConnected) this.#schedule(0);
  }

  /** Whether the open state is kept across page loads (`remember` attribute). */
  get remembers(): boolean {
    return this.hasAttribute('remember');
  }

  get isOpen(): boolean {
    return this.hasAttribute('open') || this.hasAttribute('inline');
  }

  toggle(open = !this.hasAttribute('open')): void {
    this.toggleAttribute('open', open);
    this.dispatchEvent(new CustomEvent('tally-panel-toggle', { detail: { open }, bubbles: true }));
  }

  #onVisibility = () => {
    if (document.visibilityState === 'hidden') clearTimeout(this.#timer);
    else this.#schedule(Math.max(0, this.#last + REFRESH_MS - Date.now()));
  };

  #schedule(delay: number) {
    clearTimeout(this.#timer);
    if (!this.isOpen || !this.#getToken || document.visibilityState === 'hidden') return;
    this.#timer = window.setTimeout(() => void this.refresh(), delay);
  }

  /** Loads the figures now, unless a load is already in flight. */
  async refresh(): Promise<void> {
    if (this.#inFlight) return;
    this.#inFlight = true;
    clearTimeout(this.#timer);
    this.#refresh.setAttribute('aria-busy', 'true');
    this.#refresh.disabled = true;
    try {
      this.#api ??= createApi({
        base: (this.getAttribute('api') ?? '').replace(/\/$/, ''),
        token: async () => (await this.#getToken?.()) ?? undefined,
      });
      const project = this.getAttribute('project');
      const d = await this.#api.get<DashboardBody>(
        'dashboard',
        new URLSearchParams(project ? { project } : {}),
      );
      this.#render(d);
      this.#status.classList.remove('error');
      this.#status.textContent = `Updated ${new Date(d.asOf).toLocaleTimeString()}`;
      this.dispatchEvent(new CustomEvent('tally-panel-refresh', { detail: { asOf: d.asOf } }));
    } catch (error) {
      this.#status.classList.add('error');
      this.#status.textContent = `Could not load: ${(error as Error).message}`;
    } finally {
      this.#inFlight = false;
      this.#last = Date.now();
      this.#refresh.removeAttribute('aria-busy');
      this.#refresh.disabled = false;
      this.#schedule(REFRESH_MS);
    }
  }

  #render(d: DashboardBody) {
    const now = Date.parse(d.asOf);
    const activities = d.recentActivity.activities.slice(0, 10);
    const users = d.topUsers.users.slice(0, 5);
    fill(
      this.#body,
      h(
        'div',
        { class: 'grid' },
        ...METRICS.map(([key, label, show]) =>
          h(
            'div',
            { class: 'metric', 'data-metric': key },
            h('span', {}, label),
            h('strong', {}, show(d.summary[key] as number | null)),
          ),
        ),
      ),
      h('h3', {}, 'Recent activity'),
      activities.length
        ? h(
            'ol',
            { class: 'activities' },
            ...activities.map((a) =>
              h(
                'li',
                {},
                h('span', { class: 'icon', 'aria-hidden': 'true' }, iconOf(a.activityType)),
                h(
                  'span',
                  { class: 'who' },
                  a.userId ?? a.anonymousId ?? 'anonymous',
                  ' ',
                  h('span', { class: 'what' }, a.activityType),
                ),
                h('time', { datetime: a.timestamp }, ago(a.timestamp, now)),
              ),
            ),
          )
        : h('p', { class: 'status' }, 'No activity in the last 24 hours'),
      h('h3', {}, 'Top users (7 days)'),
      users.length
        ? h(
            'ol',
            { class: 'top-users' },
            ...users.map((u, i) =>
              h(
                'li',
                {},
                h(
                  'span',
                  { class: `rank rank-${i + 1}`, 'aria-label': `Rank ${i + 1}` },
                  String(i + 1),
                ),
                h('span', { class: 'who' }, u.userId),
                h('span', { class: 'what' }, `${fmt(u.events)} events`),
              ),
            ),
          )
        : h('p', { class: 'status' }, 'No active users yet'),
    );
  }
}

/** Registers `<tally-panel>` (once, however many scripts load it). */
export function definePanel(): void {
  if (!customElements.get('tally-panel')) customElements.define('tally-panel', TallyPanel);
}
