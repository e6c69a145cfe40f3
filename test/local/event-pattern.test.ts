import { describe, expect, it } from 'vitest';
import { INGEST_PATTERN } from '../../lambdas/contract/bus.ts';
import { matches } from '../../local/event-pattern.ts';

describe('event patterns', () => {
  const event = {
    source: 'tally.track',
    'detail-type': 'tally.events',
    detail: { projectId: 'p1', n: 3 },
  };

  it('matches the ingest rule’s pattern on source and detail-type', () => {
    expect(matches(INGEST_PATTERN, event)).toBe(true);
    expect(matches(INGEST_PATTERN, { ...event, source: 'someone.else' })).toBe(false);
    expect(matches(INGEST_PATTERN, { ...event, 'detail-type': 'other' })).toBe(false);
  });

  it('supports nested fields, prefix, exists and anything-but', () => {
    expect(matches({ detail: { projectId: [{ prefix: 'p' }] } }, event)).toBe(true);
    expect(matches({ detail: { projectId: [{ 'anything-but': ['p1'] }] } }, event)).toBe(false);
    expect(matches({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matches({ detail: { n: [{ exists: true }] } }, event)).toBe(true);
  });

  it('refuses operators it does not implement instead of guessing', () => {
    expect(() => matches({ detail: { n: [{ numeric: ['>', 1] }] } }, event)).toThrow(
      /not supported/,
    );
  });
});
