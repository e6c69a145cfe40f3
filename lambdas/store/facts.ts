/**
 * A fact is the compact record of one event that every report is computed from: the ingest writes
 * the facts of newly stored events to the fact log (the live layer), and the rollup derives the
 * same facts from raw events (the rebuilt layer). One function, `factOf`, makes both, so live and
 * rebuilt figures cannot disagree about what an event means.
 */
import type { EventType, TallyEvent } from '../model/events.ts';
import { actorOf } from '../model/events.ts';
import { finiteNumber } from '../model/values.ts';
import { CONVERSATION_EVENTS, DOMAIN_EVENTS } from '../model/vocabulary.ts';

export interface Fact {
  /** messageId */
  id: string;
  /** timestamp, epoch ms */
  t: number;
  ty: EventType;
  /** event (track) or page/screen name */
  n?: string;
  /** actor: userId, or `anon:<anonymousId>` */
  u?: string;
  // Messages (message.sent)
  tok?: number;
  tin?: number;
  tout?: number;
  mdl?: string;
  role?: string;
  /** message response time, ms */
  rt?: number;
  /** conversationId (messages and conversation events) */
  cv?: string;
  /** conversation action: started, updated, ended */
  ca?: 's' | 'u' | 'e';
  /** conversation status, as reported */
  cst?: string;
  // API calls (api.request)
  ep?: string;
  me?: string;
  sc?: number;
  /** API call duration, ms */
  dur?: number;
  // Resources: an explicit resourceType/resourceId, and agent, channel, workflow ids
  rty?: string;
  rid?: string;
  ag?: string;
  ch?: string;
  wf?: string;
  /** rating of a feedback.submitted event */
  rat?: number;
  /** an error: an `*.error`/`*.failed` event, `properties.error: true`, or an API 5xx */
  err?: 1;
}

/** Longest string kept in a fact (names, ids, endpoints): facts are small by design. */
const MAX_TEXT = 200;

function str(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  return s ? s.slice(0, MAX_TEXT) : undefined;
}

/** Token count of a message: `tokens`, else input + output tokens. */
export function tokensOf(p: Record<string, unknown>): number | undefined {
  const total = finiteNumber(p.tokens);
  if (total !== undefined) return total;
  const input = finiteNumber(p.inputTokens);
  const output = finiteNumber(p.outputTokens);
  if (input === undefined && output === undefined) return undefined;
  return (input ?? 0) + (output ?? 0);
}

/** API paths are grouped as sent; a trailing slash is not a different endpoint. */
export function normalizeEndpoint(path: string): string {
  const p = path.split('?')[0] ?? path;
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

export function factOf(e: TallyEvent): Fact {
  const f: Fact = { id: e.messageId, t: Date.parse(e.timestamp), ty: e.type };
  const name = str(e.event ?? e.name);
  if (name) f.n = name;
  const actor = actorOf(e);
  if (actor) f.u = actor;
  const p = e.properties ?? {};

  const cv = str(p.conversationId ?? p.conversation_id);
  if (cv) f.cv = cv;
  const rty = str(p.resourceType);
  const rid = str(p.resourceId);
  if (rty && rid) {
    f.rty = rty;
    f.rid = rid;
  }
  const ag = str(p.agentId);
  if (ag) f.ag = ag;
  const ch = str(p.channel ?? p.channelId);
  if (ch) f.ch = ch;
  const wf = str(p.workflowId);
  if (wf) f.wf = wf;

  if (e.type === 'track') {
    switch (e.event) {
      case DOMAIN_EVENTS.messageSent: {
        const tokens = tokensOf(p);
        if (tokens !== undefined && tokens > 0) f.tok = tokens;
        const tin = finiteNumber(p.inputTokens);
        if (tin !== undefined && tin > 0) f.tin = tin;
        const tout = finiteNumber(p.outputTokens);
        if (tout !== undefined && tout > 0) f.tout = tout;
        const mdl = str(p.model);
        if (mdl) f.mdl = mdl;
        const role = str(p.role);
        if (role) f.role = role.toLowerCase();
        const rt = finiteNumber(p.responseTimeMs);
        if (rt !== undefined && rt >= 0) f.rt = rt;
        break;
      }
      case CONVERSATION_EVENTS.started:
        f.ca = 's';
        break;
      case CONVERSATION_EVENTS.updated:
        f.ca = 'u';
        break;
      case CONVERSATION_EVENTS.ended:
        f.ca = 'e';
        break;
      case DOMAIN_EVENTS.apiRequest: {
        const ep = str(p.endpoint);
        if (ep) f.ep = normalizeEndpoint(ep);
        const me = str(p.method);
        if (me) f.me = me.toUpperCase();
        const sc = finiteNumber(p.statusCode);
        if (sc !== undefined) f.sc = Math.trunc(sc);
        const dur = finiteNumber(p.durationMs ?? p.responseTimeMs);
        if (dur !== undefined && dur >= 0) f.dur = dur;
        break;
      }
      case DOMAIN_EVENTS.feedbackSubmitted: {
        const rat = finiteNumber(p.rating);
        if (rat !== undefined) f.rat = rat;
        break;
      }
    }
    if (f.ca) {
      const cst = str(p.status);
      if (cst) f.cst = cst;
    }
  }
  if (
    (f.sc !== undefined && f.sc >= 500) ||
    (name !== undefined && /\.(error|failed)$/.test(name)) ||
    p.error === true
  ) {
    f.err = 1;
  }
  return f;
}

/** The resources a fact belongs to, as `type#id`. */
export function resourcesOf(f: Fact): string[] {
  const out: string[] = [];
  if (f.rty && f.rid) out.push(`${f.rty}#${f.rid}`);
  if (f.ag) out.push(`agent#${f.ag}`);
  if (f.ch) out.push(`channel#${f.ch}`);
  if (f.wf) out.push(`workflow#${f.wf}`);
  return [...new Set(out)];
}
