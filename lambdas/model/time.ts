/** UTC calendar helpers. Reports and storage keys are in UTC throughout. */

const DAY_MS = 86_400_000;

/** The shape of an ISO day, `2026-11-22` (whether it is a real date is Date.parse's to say). */
export const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `2026-11-22` for an epoch-millisecond instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2026-11-22T13` for an epoch-millisecond instant. */
export function hourOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/** Start of the storage bucket holding `ms`, as `2026-11-22T13:05`. Buckets sort as strings. */
export function bucketOf(ms: number, bucketSeconds: number): string {
  const size = bucketSeconds * 1000;
  return new Date(Math.floor(ms / size) * size).toISOString().slice(0, 16);
}

/** Epoch ms of midnight UTC of an ISO day. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The ISO day `n` days after `day` (negative `n` goes back). */
export function addDays(day: string, n: number): string {
  return dayOf(dayStart(day) + n * DAY_MS);
}

/** Every ISO day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

export const MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: DAY_MS } as const;
