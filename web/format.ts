/** Number, time and change formatting, and which way each metric should move. */
import type { OverviewMetric } from '../lambdas/admin/reports/usage/overview.ts';

const numberFormat = new Intl.NumberFormat('en');
const money = new Intl.NumberFormat('en', { style: 'currency', currency: 'USD' });

export const fmt = (n: number | null | undefined, unit = '') =>
  n === null || n === undefined ? '–' : `${numberFormat.format(n)}${unit}`;
export const pct = (n: number | null | undefined) =>
  n === null || n === undefined ? '–' : `${numberFormat.format(Math.round(n * 1000) / 10)} %`;
export const ms = (n: number | null | undefined) =>
  fmt(n === null || n === undefined ? n : Math.round(n), ' ms');
export const usd = (n: number | null | undefined) =>
  n === null || n === undefined ? '–' : money.format(n);

/** "5m ago", from `iso` to `now` (ms). */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** Which direction of change is good news for a metric (`neutral`: neither, e.g. spend). */
export type Polarity = 'higher' | 'lower' | 'neutral';

export const POLARITY: Record<OverviewMetric, Polarity> = {
  totalEvents: 'higher',
  activeUsers: 'higher',
  newUsers: 'higher',
  conversations: 'higher',
  messages: 'higher',
  // More tokens is more use and more cost: neither colour.
  tokens: 'neutral',
  avgResponseTimeMs: 'lower',
  apiCalls: 'neutral',
  apiErrorRate: 'lower',
  errors: 'lower',
};

export type Tone = 'good' | 'bad' | 'neutral';

/** The tone of a relative change for a metric: a falling error rate is good, a rising latency bad. */
export function toneOf(polarity: Polarity, change: number): Tone {
  if (change === 0 || polarity === 'neutral') return 'neutral';
  return change > 0 === (polarity === 'higher') ? 'good' : 'bad';
}

/** Text of a change, with words beside the arrow so colour is never the only signal. */
export function changeText(change: number | null | undefined, tone: Tone): string {
  if (change === null || change === undefined) return 'no earlier data';
  if (change === 0) return 'no change';
  const arrow = change > 0 ? '▲' : '▼';
  const word = tone === 'good' ? ' (better)' : tone === 'bad' ? ' (worse)' : '';
  return `${arrow} ${pct(Math.abs(change))}${word}`;
}

/** `2026-11-22 08:05 UTC`: every time on the dashboard is UTC, as the reports' days are. */
export const dateTime = (iso: string | null | undefined) =>
  iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '–';

/** A duration in the largest unit that fits: `45 s`, `12 min`, `3.5 h`, `2.1 d`. */
export function duration(msValue: number | null | undefined): string {
  if (msValue === null || msValue === undefined) return '–';
  const s = msValue / 1000;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${numberFormat.format(Math.round(s / 360) / 10)} h`;
  return `${numberFormat.format(Math.round(s / 8640) / 10)} d`;
}
