/**
 * The dashboard: reads the admin token (from `#token=` or a pasted value), loads everything the
 * first screen shows with one call to `/api/v1/analytics/dashboard`, and refreshes every 30
 * seconds. Charts are plain SVG: one small chart does not justify a charting library.
 */
// Types only, from the admin API's response schemas: no admin code reaches the bundle.
import type { DashboardBody as Dashboard } from '../lambdas/admin/responses.ts';

const TOKEN_KEY = 'tally.adminToken';
const PROJECT_KEY = 'tally.project';
const REFRESH_MS = 30_000;

/** The overview's figures: every field but its project and range. */
type OverviewMetric = Exclude<keyof Dashboard['overview'], 'project' | 'range'>;
type Metric = Dashboard['overview'][OverviewMetric];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const tbody = (id: string) => $(id).querySelector('tbody') as HTMLElement;
const numberFormat = new Intl.NumberFormat();
const fmt = (n: number | null | undefined, unit = '') =>
  n === null || n === undefined ? '–' : `${numberFormat.format(n)}${unit}`;
const pct = (n: number | null | undefined) =>
  n === null || n === undefined ? '–' : `${numberFormat.format(Math.round(n * 1000) / 10)} %`;

/** Escapes text for innerHTML. */
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function tokenFromFragment(): string | undefined {
  const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (!match?.[1]) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(match[1]);
}

function showTokenForm(message = '') {
  $('token-form').hidden = false;
  $('dashboard').hidden = true;
  for (const id of ['refresh', 'sign-out', 'project', 'project-label']) $(id).hidden = true;
  $('token-error').textContent = message;
}

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

const WEEK: [key: OverviewMetric, label: string, unit?: 'ms' | '%'][] = [
  ['totalEvents', 'Events'],
  ['activeUsers', 'Active users'],
  ['newUsers', 'New users'],
  ['messages', 'Messages'],
  ['tokens', 'Tokens'],
  ['avgResponseTimeMs', 'Avg response', 'ms'],
  ['apiErrorRate', 'API error rate', '%'],
];

/** The class and text of a week-on-week change. */
function changeCell(change: number | null | undefined): [cls: string, text: string] {
  if (change === null || change === undefined) return ['muted', 'no earlier data'];
  if (change === 0) return ['muted', 'no change'];
  return change > 0 ? ['up', `▲ ${pct(change)}`] : ['down', `▼ ${pct(-change)}`];
}

function renderWeek(overview: Dashboard['overview']) {
  $('week').innerHTML = WEEK.map(([key, label, unit]) => {
    const c = overview[key] as Metric | undefined;
    const value = unit === '%' ? pct(c?.value) : fmt(c?.value, unit === 'ms' ? ' ms' : '');
    const [cls, delta] = changeCell(c?.change);
    return `<div class="change" data-week="${key}"><span class="muted">${label}</span><strong>${value}</strong><span class="${cls}">${delta}</span></div>`;
  }).join('');
}

function renderChart(days: Dashboard['daily']['days']) {
  const w = 560;
  const h = 140;
  const pad = 18;
  const max = Math.max(1, ...days.map((d) => d.events));
  const step = (w - pad) / Math.max(1, days.length);
  const bar = (value: number) => ((h - pad) * value) / max;
  const bars = days
    .map((d, i) => {
      const x = pad + i * step;
      const e = bar(d.events);
      const m = bar(d.totalMessages);
      return `<g data-day="${d.date}" data-events="${d.events}"><title>${d.date}: ${d.events} events, ${d.totalMessages} messages</title>
        <rect class="events" x="${x}" y="${h - pad - e}" width="${step * 0.8}" height="${e}"/>
        <rect class="messages" x="${x}" y="${h - pad - m}" width="${step * 0.8}" height="${m}"/>
        <text x="${x}" y="${h - 4}">${d.date.slice(5)}</text></g>`;
    })
    .join('');
  $('daily-chart').innerHTML =
    `<svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none"><text x="0" y="10">${max}</text>${bars}</svg>`;
}

function render(d: Dashboard) {
  for (const el of document.querySelectorAll<HTMLElement>('[data-metric]')) {
    const key = el.dataset.metric as keyof Dashboard['summary'];
    const value = d.summary[key];
    el.textContent =
      key === 'avgResponseTimeMs' ? fmt(value as number | null, ' ms') : fmt(value as number);
  }
  renderWeek(d.overview);
  renderChart(d.daily.days);
  tbody('top-users').innerHTML =
    d.topUsers.users
      .map(
        (u) =>
          `<tr><td>${esc(u.userId)}</td><td>${fmt(u.events)}</td><td>${fmt(u.messages)}</td><td>${fmt(u.tokens)}</td></tr>`,
      )
      .join('') || '<tr><td colspan="4" class="muted">No activity yet</td></tr>';
  const now = Date.parse(d.asOf);
  $('recent').innerHTML =
    d.recentActivity.activities
      .map(
        (a) =>
          `<li><span>${esc(a.activityType)} <span class="muted">${esc(a.userId ?? a.anonymousId ?? '')}</span></span><time datetime="${a.timestamp}" class="muted">${ago(a.timestamp, now)}</time></li>`,
      )
      .join('') || '<li class="muted">No activity yet</li>';
  tbody('api').innerHTML =
    d.api.endpoints
      .map(
        (e) =>
          `<tr><td>${esc(`${e.method} ${e.endpoint}`)}</td><td>${fmt(e.count)}</td><td>${fmt(e.errors)}</td><td>${pct(e.errorRate)}</td></tr>`,
      )
      .join('') || '<tr><td colspan="4" class="muted">No API calls tracked</td></tr>';
  $('updated').textContent = `updated ${new Date(d.asOf).toLocaleTimeString()}`;
  $('dashboard').hidden = false;
  $('token-form').hidden = true;
  $('refresh').hidden = false;
  $('sign-out').hidden = false;
  $('error').textContent = '';
}

let timer: number | undefined;

async function api(path: string): Promise<Response> {
  const token = localStorage.getItem(TOKEN_KEY) ?? '';
  return fetch(path, { headers: { authorization: `Bearer ${token}` } });
}

function project(): string | null {
  return new URLSearchParams(location.search).get('project') ?? localStorage.getItem(PROJECT_KEY);
}

async function loadProjects() {
  const res = await api('/api/v1/analytics/projects');
  if (!res.ok) return;
  const { projects } = (await res.json()) as { projects: { projectId: string; name: string }[] };
  const select = $<HTMLSelectElement>('project');
  select.innerHTML = projects
    .map((p) => `<option value="${esc(p.projectId)}">${esc(p.name || p.projectId)}</option>`)
    .join('');
  const current = project();
  if (current && projects.some((p) => p.projectId === current)) select.value = current;
  select.hidden = projects.length < 2;
  $('project-label').hidden = projects.length < 2;
}

async function load() {
  if (!localStorage.getItem(TOKEN_KEY)) return showTokenForm();
  const p = project();
  try {
    const res = await api(
      `/api/v1/analytics/dashboard${p ? `?project=${encodeURIComponent(p)}` : ''}`,
    );
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) {
      localStorage.removeItem(TOKEN_KEY);
      return showTokenForm(
        'That token was not accepted (missing, expired or not signed by the configured issuer).',
      );
    }
    if (!res.ok) {
      $('error').textContent = body?.error?.message ?? `The API answered ${res.status}`;
      return;
    }
    render(body as Dashboard);
  } catch {
    $('error').textContent = 'Could not reach the API; retrying.';
  } finally {
    clearTimeout(timer);
    timer = window.setTimeout(load, REFRESH_MS);
  }
}

/** Downloads an export with the token (a plain link could not send it). */
async function download(report: string) {
  const [path, query = ''] = report.split('?');
  const params = new URLSearchParams(query);
  params.set('report', path as string);
  const p = project();
  if (p) params.set('project', p);
  const res = await api(`/api/v1/analytics/export/csv?${params}`);
  if (!res.ok) {
    $('error').textContent = `Export failed (${res.status})`;
    return;
  }
  const name =
    /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'tally.csv';
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await res.blob());
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const value = ($('token-input') as HTMLTextAreaElement).value.trim();
  if (!value) return;
  localStorage.setItem(TOKEN_KEY, value);
  void loadProjects();
  void load();
});
$('refresh').addEventListener('click', () => void load());
$('sign-out').addEventListener('click', () => {
  localStorage.removeItem(TOKEN_KEY);
  clearTimeout(timer);
  showTokenForm();
});
$<HTMLSelectElement>('project').addEventListener('change', (e) => {
  localStorage.setItem(PROJECT_KEY, (e.target as HTMLSelectElement).value);
  void load();
});
for (const button of document.querySelectorAll<HTMLButtonElement>('[data-export]')) {
  button.addEventListener('click', () => void download(button.dataset.export as string));
}

const fromFragment = tokenFromFragment();
if (fromFragment) localStorage.setItem(TOKEN_KEY, fromFragment);
if (localStorage.getItem(TOKEN_KEY)) void loadProjects();
void load();
