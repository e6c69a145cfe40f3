/**
 * The dashboard's first page: reads the admin token (from `#token=` or a pasted value), shows the
 * summary figures, and refreshes them every 30 seconds.
 */

import type { Summary } from '../lambdas/admin/reports/summary.ts';

const TOKEN_KEY = 'tally.adminToken';
const REFRESH_MS = 30_000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const numberFormat = new Intl.NumberFormat();

function tokenFromFragment(): string | undefined {
  const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (!match?.[1]) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(match[1]);
}

function showTokenForm(message = '') {
  $('token-form').hidden = false;
  $('summary').hidden = true;
  $('refresh').hidden = true;
  $('sign-out').hidden = true;
  $('token-error').textContent = message;
}

function format(key: keyof Summary, value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (key === 'avgResponseTimeMs') return `${numberFormat.format(value as number)} ms`;
  return typeof value === 'number' ? numberFormat.format(value) : String(value);
}

function render(summary: Summary) {
  for (const el of document.querySelectorAll<HTMLElement>('[data-metric]')) {
    const key = el.dataset.metric as keyof Summary;
    el.textContent = format(key, summary[key]);
  }
  $('project').textContent = `project ${summary.project}`;
  $('updated').textContent = `updated ${new Date(summary.asOf).toLocaleTimeString()}`;
  $('summary').hidden = false;
  $('token-form').hidden = true;
  $('refresh').hidden = false;
  $('sign-out').hidden = false;
  $('error').textContent = '';
}

let timer: number | undefined;

async function load() {
  const token = localStorage.getItem(TOKEN_KEY);
  if (!token) return showTokenForm();
  const project = new URLSearchParams(location.search).get('project');
  const url = `/api/v1/analytics/summary${project ? `?project=${encodeURIComponent(project)}` : ''}`;
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
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
    render(body as Summary);
  } catch {
    $('error').textContent = 'Could not reach the API; retrying.';
  } finally {
    clearTimeout(timer);
    timer = window.setTimeout(load, REFRESH_MS);
  }
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const value = ($('token-input') as HTMLTextAreaElement).value.trim();
  if (!value) return;
  localStorage.setItem(TOKEN_KEY, value);
  void load();
});
$('refresh').addEventListener('click', () => void load());
$('sign-out').addEventListener('click', () => {
  localStorage.removeItem(TOKEN_KEY);
  clearTimeout(timer);
  showTokenForm();
});

const fromFragment = tokenFromFragment();
if (fromFragment) localStorage.setItem(TOKEN_KEY, fromFragment);
void load();
