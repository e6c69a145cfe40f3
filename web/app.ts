/**
 * The dashboard shell: signs the admin in (auth.ts), lists the projects the token may read, and
 * renders the page the URL names (view.ts) with the project and range pickers. Every figure is
 * set as text (dom.ts). See docs/dashboard.md.
 */
import { ApiError, createApi } from './api.ts';
import * as auth from './auth.ts';
import { fill, h } from './dom.ts';
import type { PageContext } from './page.ts';
import { PAGES } from './pages/index.ts';
import { definePanel, type TallyPanel } from './panel.ts';
import { navigate, onNavigate, readView, type View } from './view.ts';

const PROJECT_KEY = 'tally.project';
const THEME_KEY = 'tally.theme';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const main = $('main');
const projectSelect = $<HTMLSelectElement>('project');
const rangeSelect = $<HTMLSelectElement>('range');
const customForm = $<HTMLFormElement>('custom');

export const api = createApi({ base: '', token: auth.token, renew: auth.refresh });

definePanel();
const panel = document.createElement('tally-panel') as TallyPanel;
panel.id = 'panel';
panel.setAttribute('remember', '');
panel.getToken = auth.token;
const panelToggle = $('panel-toggle');
panel.addEventListener('tally-panel-toggle', () =>
  panelToggle.setAttribute('aria-expanded', String(panel.hasAttribute('open'))),
);
panelToggle.addEventListener('click', () => panel.toggle());

interface Project {
  projectId: string;
  name: string;
}
let projects: Project[] = [];

function chrome(signedIn: boolean) {
  for (const id of ['nav', 'controls', 'sign-out', 'panel-toggle']) $(id).hidden = !signedIn;
  if (!signedIn) panel.remove();
}

/** The sign-in page; after it the admin comes back to the URL they were on. */
function showSignIn(message = '') {
  chrome(false);
  document.title = 'Sign in · Tally';
  void auth.loadConfig().then((config) => {
    const note = message ? h('p', { class: 'error', role: 'alert' }, message) : null;
    if (config.type === 'oidc') {
      fill(
        main,
        h(
          'section',
          { class: 'signin', 'aria-labelledby': 'signin-title' },
          h('h1', { id: 'signin-title' }, 'Sign in to Tally'),
          note,
          h(
            'button',
            { id: 'sign-in', type: 'button', onclick: () => void auth.signIn() },
            config.label ?? 'Sign in',
          ),
        ),
      );
      return;
    }
    const input = h('textarea', {
      id: 'token-input',
      rows: 4,
      required: true,
      spellcheck: 'false',
    });
    fill(
      main,
      h(
        'form',
        {
          class: 'signin',
          id: 'token-form',
          onsubmit: (e: Event) => {
            e.preventDefault();
            const value = input.value.trim();
            if (!value) return;
            auth.useToken(value);
            void enter();
          },
        },
        h('h1', {}, 'Sign in to Tally'),
        h('label', { for: 'token-input' }, 'Admin token'),
        h('p', { class: 'muted' }, 'Paste a JWT with the admin role from your issuer.'),
        input,
        h('button', { type: 'submit' }, 'Open dashboard'),
        note,
      ),
    );
  });
}

function showNoAccess() {
  chrome(false);
  $('sign-out').hidden = false;
  document.title = 'No access · Tally';
  const who = auth.claimsOf(auth.session()?.idToken ?? '');
  const name = String(who.email ?? who['cognito:username'] ?? who.sub ?? 'this account');
  fill(
    main,
    h(
      'section',
      { class: 'signin', id: 'no-access', 'aria-labelledby': 'no-access-title' },
      h('h1', { id: 'no-access-title' }, 'No access'),
      h('p', {}, 'You are signed in as ', h('strong', {}, name), ', which is not a Tally admin.'),
      h(
        'p',
        { class: 'muted' },
        'Ask an admin to add you to the admin group, then sign out and in again.',
      ),
    ),
  );
}

/** After sign-in: the projects, then the page in the URL. */
async function enter() {
  // A link that names its project: the page's data is asked for now, not after the projects.
  const asked = readView();
  if (asked.project) PAGES.find((p) => p.id === asked.page)?.prefetch?.(api, asked);
  try {
    ({ projects } = await api.get<{ projects: Project[] }>('projects'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return showNoAccess();
    if (error instanceof ApiError && error.status === 401)
      return showSignIn('Your session has ended. Sign in again to return to this page.');
    return showError(error, enter);
  }
  chrome(true);
  const view = readView();
  if (!panel.isConnected) {
    if (view.project) panel.setAttribute('project', view.project);
    document.body.append(panel);
    panelToggle.setAttribute('aria-expanded', String(panel.hasAttribute('open')));
  }
  if (!view.project || !projects.some((p) => p.projectId === view.project)) {
    const last = localStorage.getItem(PROJECT_KEY);
    const pick =
      projects.find((p) => p.projectId === view.project) ??
      projects.find((p) => p.projectId === last) ??
      projects.find((p) => p.projectId === 'default') ??
      projects[0];
    // The project is always in the URL, so the picker and the figures name the same one.
    if (pick && pick.projectId !== view.project)
      navigate({ project: pick.projectId }, { replace: true });
    else void render(view);
  } else void render(view);
}

function showError(error: unknown, retry: () => void, into: HTMLElement = main) {
  fill(
    into,
    h(
      'div',
      { class: 'state error-state', role: 'alert' },
      h('p', {}, error instanceof Error ? error.message : 'Something went wrong.'),
      h('button', { type: 'button', class: 'retry', onclick: retry }, 'Retry'),
    ),
  );
}

function renderNav(view: View) {
  const groups = [...new Set(PAGES.map((p) => p.group))];
  const link = (p: (typeof PAGES)[number]) =>
    h(
      'li',
      {},
      h(
        'a',
        {
          href: `?page=${p.id}`,
          'aria-current': p.id === view.page ? 'page' : null,
          onclick: (e: Event) => {
            e.preventDefault();
            navigate({ page: p.id });
          },
        },
        p.title,
      ),
    );
  fill(
    $('nav'),
    h(
      'ul',
      { class: 'nav-groups' },
      ...groups.map((g) =>
        h(
          'li',
          {},
          h('span', { class: 'group-label', id: `nav-${g}` }, g),
          h(
            'ul',
            { class: 'nav-pages', 'aria-labelledby': `nav-${g}` },
            ...PAGES.filter((p) => p.group === g).map(link),
          ),
        ),
      ),
    ),
  );
}

function renderControls(view: View, ranged: boolean) {
  fill(
    projectSelect,
    ...projects.map((p) => h('option', { value: p.projectId }, p.name || p.projectId)),
  );
  projectSelect.value = view.project ?? '';
  rangeSelect.value = view.range;
  (rangeSelect.parentElement as HTMLElement).hidden = !ranged;
  customForm.hidden = !ranged || view.range !== 'custom';
  if (view.from) $<HTMLInputElement>('from').value = view.from;
  if (view.to) $<HTMLInputElement>('to').value = view.to;
}

let inFlight: AbortController | undefined;

/** Renders the page of `view`: loading, then the page, or the error with a retry. */
async function render(view: View) {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const page = PAGES.find((p) => p.id === view.page) ?? (PAGES[0] as (typeof PAGES)[number]);
  renderNav(view);
  renderControls(view, page.ranged !== false);
  if (view.project && panel.getAttribute('project') !== view.project)
    panel.setAttribute('project', view.project);
  document.title = `${page.title} · Tally`;
  let exported: [string, URLSearchParams] | undefined;
  const content = h('div', { class: 'state', 'aria-busy': 'true' }, 'Loading…');
  const exports = h(
    'div',
    { class: 'exports', hidden: true },
    ...(['csv', 'json'] as const).map((format) =>
      h(
        'button',
        {
          type: 'button',
          'data-export': format,
          onclick: () => exported && void download(format, ...exported),
        },
        `Export ${format.toUpperCase()}`,
      ),
    ),
  );
  delete main.dataset.loaded;
  fill(main, h('div', { class: 'page-head' }, h('h1', {}, page.title), exports), content);
  const ctx: PageContext = {
    api,
    view,
    signal: controller.signal,
    exportAs: (report, params) => {
      exported = [report, params];
      exports.hidden = false;
    },
  };
  try {
    const node = await page.render(ctx);
    if (controller.signal.aborted) return;
    content.replaceWith(node);
    main.dataset.loaded = page.id;
    // The moment the page's figures are on screen (`npm run build` times it for the overview).
    performance.mark('tally:figures', { detail: page.id });
  } catch (error) {
    if (controller.signal.aborted) return;
    if (error instanceof ApiError && error.status === 401)
      return showSignIn('Your session has ended. Sign in again to return to this page.');
    showError(error, () => void render(readView()), content);
    content.removeAttribute('aria-busy');
  }
}

/** Downloads the report in view through the export endpoint (a plain link could not send the token). */
async function download(format: 'csv' | 'json', report: string, params: URLSearchParams) {
  const q = new URLSearchParams(params);
  q.set('report', report);
  try {
    const res = await api.raw(`export/${format}`, q);
    const name =
      /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ??
      `tally.${format}`;
    const link = h('a', { href: URL.createObjectURL(await res.blob()), download: name });
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    alert(`Export failed: ${(error as Error).message}`);
  }
}

function setTheme(theme: 'light' | 'dark') {
  document.documentElement.dataset.theme = theme;
  localStorage.setItem(THEME_KEY, theme);
  $('theme').setAttribute('aria-label', `Switch to ${theme === 'dark' ? 'light' : 'dark'} mode`);
}

function currentTheme(): 'light' | 'dark' {
  const set = document.documentElement.dataset.theme;
  if (set === 'light' || set === 'dark') return set;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

projectSelect.addEventListener('change', () => {
  localStorage.setItem(PROJECT_KEY, projectSelect.value);
  navigate({ project: projectSelect.value });
});
rangeSelect.addEventListener('change', () => {
  if (rangeSelect.value === 'custom') {
    customForm.hidden = false;
    $<HTMLInputElement>('from').focus();
    return;
  }
  navigate({ range: rangeSelect.value as View['range'], from: undefined, to: undefined });
});
customForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const from = $<HTMLInputElement>('from').value;
  const to = $<HTMLInputElement>('to').value;
  if (from && to)
    navigate({ range: 'custom', from: from <= to ? from : to, to: from <= to ? to : from });
});
$('sign-out').addEventListener('click', () => {
  void auth.signOut().then(() => showSignIn());
});
$('theme').addEventListener('click', () => setTheme(currentTheme() === 'dark' ? 'light' : 'dark'));
$('theme').setAttribute(
  'aria-label',
  `Switch to ${currentTheme() === 'dark' ? 'light' : 'dark'} mode`,
);
onNavigate((view) => void render(view));

/** `npm start` prints a link with `#token=`: use it, and drop it from the address bar. */
function tokenFromFragment(): string | undefined {
  const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (!match?.[1]) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(match[1]);
}

async function start() {
  await auth.loadConfig();
  const fragment = tokenFromFragment();
  if (fragment) auth.useToken(fragment);
  const failed = await auth.completeSignIn();
  if (failed) return showSignIn(failed);
  auth.resume();
  if (!auth.session()) return showSignIn();
  await enter();
}

void start();
