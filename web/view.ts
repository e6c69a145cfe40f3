/**
 * What the admin is looking at, kept in the URL so a link opens the same view: the page, the
 * project, the range (`24h`, `7d`, `30d`, `90d`, or `custom` with `from`/`to`) and page-specific
 * filters. Every change goes through `navigate`, which pushes history and tells the app.
 */
export const RANGES = ['24h', '7d', '30d', '90d'] as const;
export type RangeChoice = (typeof RANGES)[number] | 'custom';

export interface View {
  page: string;
  project: string | undefined;
  range: RangeChoice;
  from: string | undefined;
  to: string | undefined;
  /** Page filters (search, type, user, cursor…). */
  params: URLSearchParams;
}

const OWN = ['page', 'project', 'range', 'from', 'to'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function readView(search = location.search): View {
  const q = new URLSearchParams(search);
  const from = q.get('from') ?? undefined;
  const to = q.get('to') ?? undefined;
  const asked = q.get('range');
  const custom = from !== undefined && to !== undefined && DAY.test(from) && DAY.test(to);
  const range: RangeChoice = custom
    ? 'custom'
    : (RANGES as readonly string[]).includes(asked ?? '')
      ? (asked as RangeChoice)
      : '7d';
  const params = new URLSearchParams(q);
  for (const k of OWN) params.delete(k);
  return {
    page: q.get('page') || 'overview',
    project: q.get('project') || undefined,
    range,
    from: custom ? from : undefined,
    to: custom ? to : undefined,
    params,
  };
}

/** The URL of a view (the query string: the app is one page). */
export function urlOf(view: View): string {
  const q = new URLSearchParams();
  if (view.page !== 'overview') q.set('page', view.page);
  if (view.project) q.set('project', view.project);
  if (view.range === 'custom' && view.from && view.to) {
    q.set('from', view.from);
    q.set('to', view.to);
  } else if (view.range !== '7d') q.set('range', view.range);
  for (const [k, v] of view.params) q.set(k, v);
  const s = q.toString();
  return `${location.pathname}${s ? `?${s}` : ''}`;
}

/** The API parameters a view implies: project and range (or from/to). */
export function apiParams(view: View, extra: Record<string, string | undefined> = {}) {
  const q = new URLSearchParams();
  if (view.project) q.set('project', view.project);
  if (view.range === 'custom' && view.from && view.to) {
    q.set('from', view.from);
    q.set('to', view.to);
  } else q.set('range', view.range);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') q.set(k, v);
  return q;
}

/** `apiParams`, and the page filters `names` as the URL has them. */
export function filterParams(
  view: View,
  names: string[],
  extra: Record<string, string | undefined> = {},
): URLSearchParams {
  const q = apiParams(view, extra);
  for (const name of names) {
    const value = view.params.get(name);
    if (value) q.set(name, value);
  }
  return q;
}

type Listener = (view: View) => void;
let listener: Listener = () => {};

/** Registers the one listener (the app's router). */
export function onNavigate(fn: Listener): void {
  listener = fn;
  addEventListener('popstate', () => listener(readView()));
}

/** Moves to a view: pushes (or replaces) history and renders it. */
export function navigate(patch: Partial<View>, options: { replace?: boolean } = {}): void {
  const next = { ...readView(), ...patch };
  if (patch.page !== undefined && patch.params === undefined) next.params = new URLSearchParams();
  const url = urlOf(next);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listener(readView());
}
