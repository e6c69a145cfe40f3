/** Intent of a message text: the first configured rule whose pattern matches, else `other`. */
import type { IntentRule } from '../../../contract/config/admin.ts';

export const OTHER_INTENT = 'other';

interface CompiledRule {
  intent: string;
  pattern: RegExp;
}

// The rule list is the container's config: compile it once, not per message.
const compiled = new WeakMap<readonly IntentRule[], CompiledRule[]>();

function compile(rules: readonly IntentRule[]): CompiledRule[] {
  let out = compiled.get(rules);
  if (!out) {
    out = rules.map((r) => ({ intent: r.intent, pattern: new RegExp(r.pattern, 'i') }));
    compiled.set(rules, out);
  }
  return out;
}

/** The intent of `text` under `rules` (patterns are case-insensitive; order decides). */
export function intentOf(text: string, rules: readonly IntentRule[]): string {
  for (const rule of compile(rules)) if (rule.pattern.test(text)) return rule.intent;
  return OTHER_INTENT;
}
