/**
 * Token usage read from an LLM call's result, for the shapes the common SDKs return: OpenAI Chat
 * Completions (`usage.prompt_tokens`, `completion_tokens`, `prompt_tokens_details.cached_tokens`),
 * OpenAI Responses (`usage.input_tokens`, `output_tokens`, `input_tokens_details.cached_tokens`)
 * and Anthropic Messages (`usage.input_tokens`, `output_tokens`, `cache_read_input_tokens`,
 * `cache_creation_input_tokens`).
 */
import type { Id, MessageCall } from './messages.ts';

/** What `llmCall` records besides what it reads from the result. */
export interface LlmCall
  extends Omit<
    MessageCall,
    'messageId' | 'tokens' | 'inputTokens' | 'outputTokens' | 'cachedTokens' | 'responseTimeMs'
  > {
  /** The chat message's id. @default the result's `id` (`chatcmpl-…`, `msg_…`), else a UUID */
  messageId?: Id | undefined;
}

export interface LlmUsage {
  id?: string;
  model?: string;
  /** Every input token, cached ones included (Anthropic's cache reads and writes added in). */
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens read from the provider's prompt cache. */
  cachedTokens?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;

function defined(u: LlmUsage): LlmUsage {
  const out: LlmUsage = {};
  for (const [k, v] of Object.entries(u)) if (v !== undefined) (out as Obj)[k] = v;
  return out;
}

/** The usage of an OpenAI- or Anthropic-shaped result; `{}` for anything else. */
export function llmUsage(result: unknown): LlmUsage {
  if (!isObj(result)) return {};
  const id = typeof result.id === 'string' ? result.id : undefined;
  const model = typeof result.model === 'string' ? result.model : undefined;
  const usage = isObj(result.usage) ? result.usage : {};

  if ('prompt_tokens' in usage || 'completion_tokens' in usage) {
    const details = isObj(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
    return defined({
      id,
      model,
      inputTokens: count(usage.prompt_tokens),
      outputTokens: count(usage.completion_tokens),
      cachedTokens: count(details.cached_tokens),
    });
  }
  if (isObj(usage.input_tokens_details)) {
    // OpenAI Responses: input_tokens already includes the cached ones.
    return defined({
      id,
      model,
      inputTokens: count(usage.input_tokens),
      outputTokens: count(usage.output_tokens),
      cachedTokens: count(usage.input_tokens_details.cached_tokens),
    });
  }
  // Anthropic: input_tokens counts only the uncached input, after the last cache breakpoint.
  const uncached = count(usage.input_tokens);
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  const input =
    uncached === undefined && cacheRead === undefined && cacheWrite === undefined
      ? undefined
      : (uncached ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
  return defined({
    id,
    model,
    inputTokens: input,
    outputTokens: count(usage.output_tokens),
    cachedTokens: cacheRead,
  });
}
