/**
 * Event names, page paths and user ids are what clients send, and they key the aggregates' maps.
 * Names that `Object.prototype` also has (`constructor`, `toString`, `__proto__`, …) must be
 * counted like any other, in one aggregation and across merges in any order, and survive the JSON
 * the rollup stores its chunks as.
 */
import { describe, expect, it } from 'vitest';
import { own } from '../../../lambdas/model/records.ts';
import { partsOf } from '../../../lambdas/store/aggregate.ts';
import type { Fact } from '../../../lambdas/store/facts.ts';
import { mergeParts } from '../../../lambdas/store/merge.ts';

const HOSTILE = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'plain'];
const ACTORS = ['constructor', '__proto__', 'ada'];
const T0 = Date.UTC(2026, 10, 20, 9);

/** Fact i: name and actor cycle through the hostile lists, one minute apart. */
const facts: Fact[] = Array.from({ length: 60 }, (_, i) => ({
  id: `m${i}`,
  time: T0 + i * 60_000,
  type: 'track',
  name: HOSTILE[i % HOSTILE.length] as string,
  actor: ACTORS[i % ACTORS.length] as string,
}));

/** Brute force: events per name, per actor and name, and each name's first and last time. */
function expected() {
  const names: Record<string, number> = Object.create(null);
  const byActor: Record<string, Record<string, number>> = Object.create(null);
  for (const f of facts) {
    const name = f.name as string;
    const actor = f.actor as string;
    names[name] = (names[name] ?? 0) + 1;
    byActor[actor] ??= Object.create(null);
    const mine = byActor[actor] as Record<string, number>;
    mine[name] = (mine[name] ?? 0) + 1;
  }
  return { names: { ...names }, byActor: JSON.parse(JSON.stringify(byActor)) };
}

/** What the parts say, read as plain data (own entries only). */
function observed(parts: ReturnType<typeof partsOf>) {
  const plain = JSON.parse(JSON.stringify(parts));
  return {
    names: plain.agg.names,
    byActor: Object.fromEntries(
      Object.entries(plain.users as Record<string, { names: Record<string, number> }>).map(
        ([actor, u]) => [actor, u.names],
      ),
    ),
    events: Object.values(plain.users as Record<string, { events: number }>).reduce(
      (s, u) => s + u.events,
      0,
    ),
    firstAt: own(plain.users as Record<string, { firstAt: Record<string, number> }>, 'constructor')
      ?.firstAt,
  };
}

describe('aggregates keyed by client strings', () => {
  it('counts names and actors that Object.prototype also has, like any other', () => {
    const got = observed(partsOf(facts));
    const want = expected();
    expect(got.names).toEqual(want.names);
    expect(got.byActor).toEqual(want.byActor);
    expect(got.events).toBe(facts.length);
    // The actor `constructor` did `constructor` first at fact 0 and `hasOwnProperty` at fact 3.
    expect(got.firstAt).toEqual({ constructor: T0, hasOwnProperty: T0 + 3 * 60_000 });
    for (const n of Object.values(got.names)) expect(typeof n).toBe('number');
  });

  it('gives the same counts merged from parts in any order, and after a JSON round trip', () => {
    const want = observed(partsOf(facts));
    const thirds = [facts.slice(0, 17), facts.slice(17, 41), facts.slice(41)];
    for (const order of [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
    ]) {
      const [a, b, c] = order.map((i) => JSON.parse(JSON.stringify(partsOf(thirds[i] as Fact[]))));
      const merged = mergeParts(mergeParts(a, b), c);
      expect(observed(merged)).toEqual(want);
    }
  });
});
