/**
 * The storage edge of facts: readable names in code, short names in the fact log. Item size is
 * cost (a fact is read back many times), so each field is stored under a 1-4 letter code and the
 * conversation action as one letter; this module is the only place that knows them.
 */
import type { ConversationAction } from '../model/vocabulary.ts';
import type { Fact } from './facts.ts';

/** The stored code of each field of a fact. Never change one: stored facts keep it for years. */
export const FACT_CODES = {
  id: 'id',
  time: 't',
  type: 'ty',
  name: 'n',
  actor: 'u',
  conversationId: 'cv',
  resourceType: 'rty',
  resourceId: 'rid',
  agentId: 'ag',
  channel: 'ch',
  workflowId: 'wf',
  tokens: 'tok',
  inputTokens: 'tin',
  outputTokens: 'tout',
  model: 'mdl',
  role: 'role',
  responseTimeMs: 'rt',
  conversationAction: 'ca',
  conversationStatus: 'cst',
  endpoint: 'ep',
  method: 'me',
  statusCode: 'sc',
  durationMs: 'dur',
  rating: 'rat',
  error: 'err',
  experimentId: 'xi',
  variant: 'xv',
  path: 'pa',
  referrerHost: 'rh',
  utmSource: 'us',
  utmMedium: 'um',
  utmCampaign: 'uc',
  browser: 'br',
  os: 'os',
  device: 'dv',
  props: 'pr',
  capped: 'cap',
} as const satisfies Record<keyof Fact, string>;

const ACTION_CODES = { started: 's', updated: 'u', ended: 'e' } as const satisfies Record<
  ConversationAction,
  string
>;

type Code = (typeof FACT_CODES)[keyof Fact];
/** A fact as stored: short names, the action as a letter, `error` as 1. */
export type StoredFact = Partial<Record<Code, unknown>>;

const FIELD_OF = Object.fromEntries(
  Object.entries(FACT_CODES).map(([field, code]) => [code, field]),
) as Record<Code, keyof Fact>;
const ACTION_OF = Object.fromEntries(
  Object.entries(ACTION_CODES).map(([action, code]) => [code, action]),
) as Record<string, ConversationAction>;

/** The stored form, fields in the fact's own order (so the stored bytes are what they were). */
export function encodeFact(f: Fact): StoredFact {
  const out: StoredFact = {};
  for (const [field, value] of Object.entries(f) as [keyof Fact, unknown][]) {
    if (value === undefined) continue;
    out[FACT_CODES[field]] =
      field === 'conversationAction'
        ? ACTION_CODES[value as ConversationAction]
        : field === 'error'
          ? 1
          : value;
  }
  return out;
}

export function decodeFact(s: StoredFact): Fact {
  const out: Record<string, unknown> = {};
  for (const [code, value] of Object.entries(s)) {
    const field = FIELD_OF[code as Code];
    if (field === undefined) continue;
    out[field] =
      field === 'conversationAction'
        ? ACTION_OF[value as string]
        : field === 'error'
          ? true
          : value;
  }
  return out as unknown as Fact;
}
