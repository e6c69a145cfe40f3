/**
 * Web sessions of one visitor-day, kept in the visitor's user-day map (aggregate.ts `UserStats.web`)
 * so that the web-traffic report reads a few small summaries per visitor and day, never events.
 *
 * A hit is a page view, or a track call sent from a browser (its fact has a browser). A session
 * is a maximal run of one visitor's hits with no gap over 30 minutes (the idle rule). A summary
 * keeps its first and last hit, its page views and other events, its entry page (the first page
 * view, with that view's referrer and UTM tags) and exit page (the last page view). Summaries
 * merge exactly in any order — two sessions whose hits come within 30 minutes of each other are
 * one — so the rollup, the hourly compaction and a report's live layer agree whatever order the
 * facts came in. A visitor-day has at most 48 sessions (they are over 30 minutes apart), so its
 * summary does not grow with its events. Sessions do not cross UTC midnight: the browser
 * tracker's visitor ids change at midnight anyway (docs/tracking.md).
 */

import { own, setOwn } from '../model/records.ts';
import type { Fact } from './facts.ts';

/** A gap longer than this between two hits of a visitor starts a new session. */
export const SESSION_IDLE_MS = 30 * 60_000;

/** One session, under short names (the map is read back by every report that reads users). */
export interface WebSession {
  /** First and last hit, epoch ms. */
  a: number;
  b: number;
  /** Page views, and other (browser track) events. */
  pv: number;
  ev: number;
  /** The first page view: its time, path, referrer host and UTM source, medium, campaign. */
  fa?: number;
  en?: string;
  r?: string;
  us?: string;
  um?: string;
  uc?: string;
  /** The last page view: its time and path. */
  la?: number;
  ex?: string;
}

/** A visitor's web traffic on one day. */
export interface WebStats {
  /** Sessions, by first hit, each over SESSION_IDLE_MS after the one before. */
  s: WebSession[];
  /** Page views per path. */
  p: Record<string, number>;
  /** The browsers, operating systems and device types its hits came from, sorted. */
  br?: string[];
  os?: string[];
  dv?: string[];
}

/** The session of one hit, or undefined when the fact is not a hit. */
export function hitOf(f: Fact): WebSession | undefined {
  if (f.type === 'page') {
    const s: WebSession = { a: f.time, b: f.time, pv: 1, ev: 0, fa: f.time, la: f.time };
    const path = f.path ?? '/';
    s.en = path;
    s.ex = path;
    if (f.referrerHost) s.r = f.referrerHost;
    if (f.utmSource) s.us = f.utmSource;
    if (f.utmMedium) s.um = f.utmMedium;
    if (f.utmCampaign) s.uc = f.utmCampaign;
    return s;
  }
  if (f.type === 'track' && f.browser) return { a: f.time, b: f.time, pv: 0, ev: 1 };
  return undefined;
}

const entryKey = (s: WebSession) =>
  [s.en ?? '', s.r ?? '', s.us ?? '', s.um ?? '', s.uc ?? ''].join('\u0000');

/** The session with the earlier entry (ties broken by its fields, so any order gives one answer). */
function earlierEntry(x: WebSession, y: WebSession): WebSession {
  if (x.fa === undefined) return y;
  if (y.fa === undefined) return x;
  if (x.fa !== y.fa) return x.fa < y.fa ? x : y;
  return entryKey(x) <= entryKey(y) ? x : y;
}

function laterExit(x: WebSession, y: WebSession): WebSession {
  if (x.la === undefined) return y;
  if (y.la === undefined) return x;
  if (x.la !== y.la) return x.la > y.la ? x : y;
  return (x.ex ?? '') >= (y.ex ?? '') ? x : y;
}

/** Two sessions as one (their hits are within the idle time of each other). */
function joinSessions(x: WebSession, y: WebSession): WebSession {
  const out: WebSession = {
    a: Math.min(x.a, y.a),
    b: Math.max(x.b, y.b),
    pv: x.pv + y.pv,
    ev: x.ev + y.ev,
  };
  const entry = earlierEntry(x, y);
  if (entry.fa !== undefined) {
    out.fa = entry.fa;
    for (const k of ['en', 'r', 'us', 'um', 'uc'] as const) {
      if (entry[k] !== undefined) out[k] = entry[k];
    }
  }
  const exit = laterExit(x, y);
  if (exit.la !== undefined) {
    out.la = exit.la;
    if (exit.ex !== undefined) out.ex = exit.ex;
  }
  return out;
}

/** The sessions of two lists of one visitor-day's sessions, merged by the idle rule. */
export function mergeSessions(a: readonly WebSession[], b: readonly WebSession[]): WebSession[] {
  const all = [...a, ...b].sort((x, y) => x.a - y.a || x.b - y.b);
  const out: WebSession[] = [];
  for (const s of all) {
    const last = out[out.length - 1];
    if (last && s.a - last.b <= SESSION_IDLE_MS) out[out.length - 1] = joinSessions(last, s);
    else out.push({ ...s });
  }
  return out;
}

function union(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a?.length && !b?.length) return undefined;
  return [...new Set([...(a ?? []), ...(b ?? [])])].sort();
}

/** Two summaries of one visitor-day as one. */
export function mergeWeb(a: WebStats | undefined, b: WebStats | undefined): WebStats | undefined {
  if (!a) return b && { ...b, s: [...b.s], p: { ...b.p } };
  if (!b) return mergeWeb(b, a);
  const p = { ...a.p };
  for (const [k, n] of Object.entries(b.p)) setOwn(p, k, (own(p, k) ?? 0) + n);
  const out: WebStats = { s: mergeSessions(a.s, b.s), p };
  const br = union(a.br, b.br);
  const os = union(a.os, b.os);
  const dv = union(a.dv, b.dv);
  if (br) out.br = br;
  if (os) out.os = os;
  if (dv) out.dv = dv;
  return out;
}

/** The visitor-day's summary with one more fact (unchanged when the fact is no hit). */
export function addHit(web: WebStats | undefined, f: Fact): WebStats | undefined {
  const hit = hitOf(f);
  if (!hit) return web;
  const one: WebStats = { s: [hit], p: hit.pv ? { [hit.en ?? '/']: 1 } : {} };
  if (f.browser) one.br = [f.browser];
  if (f.os) one.os = [f.os];
  if (f.device) one.dv = [f.device];
  return mergeWeb(web, one);
}
