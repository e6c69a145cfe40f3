/**
 * The load generator of the end-to-end ingest benchmark (bench/npm-start-ingest.ts), run as its
 * own process, as a user's services would be: `clients` concurrent clients each send requests of
 * `batch` standard-workload events to `POST /v1/batch` of a running `npm start`, one after the
 * other, resending a request answered 503 (the twin's backpressure; messageIds make it safe), until
 * every event is accepted; it then reads the admin API's `totalEvents` until every event is
 * counted. With `ratePerSec`, requests start at that pace (open loop, as steady traffic) instead of
 * as fast as they are answered. `argv[2]` is
 * `{"baseUrl","writeKey","adminToken","projectId","events","batch","clients","seed","ratePerSec"?}`;
 * prints one JSON line: seconds until all were accepted and until all were counted, and the 503s.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { basic, bearer } from '../test/helpers/http.ts';
import { events as workload } from './workload.ts';

const o = JSON.parse(process.argv[2] ?? '{}') as {
  baseUrl: string;
  writeKey: string;
  adminToken: string;
  projectId: string;
  events: number;
  batch: number;
  clients: number;
  seed: number;
  ratePerSec?: number;
};

const list = workload(o.events, { seed: o.seed, userPrefix: `e2e${o.seed}` });
const bodies: string[] = [];
for (let i = 0; i < list.length; i += o.batch) {
  bodies.push(JSON.stringify({ batch: list.slice(i, i + o.batch) }));
}
const headers = { ...basic(o.writeKey), 'content-type': 'application/json' };
let next = 0;
let refused = 0;

let t0 = 0;
async function client() {
  while (next < bodies.length) {
    const i = next++;
    const body = bodies[i] as string;
    if (o.ratePerSec) {
      const due = t0 + (i * o.batch * 1000) / o.ratePerSec;
      await sleep(Math.max(0, due - performance.now()));
    }
    for (;;) {
      const res = await fetch(`${o.baseUrl}/v1/batch`, { method: 'POST', headers, body });
      const text = await res.text();
      if (res.status === 200) break;
      if (res.status !== 503) throw new Error(`batch refused: ${res.status} ${text.slice(0, 300)}`);
      refused++;
      await sleep(50);
    }
  }
}

async function counted(): Promise<number> {
  const res = await fetch(`${o.baseUrl}/api/v1/analytics/summary?project=${o.projectId}`, {
    headers: bearer(o.adminToken),
  });
  if (res.status !== 200) throw new Error(`summary answered ${res.status}`);
  return ((await res.json()) as { totalEvents: number }).totalEvents;
}

const before = await counted();
t0 = performance.now();
await Promise.all(Array.from({ length: o.clients }, client));
const acceptedSeconds = (performance.now() - t0) / 1000;
let total = before;
const deadline = Date.now() + 600_000;
while (total - before < o.events) {
  if (Date.now() > deadline) throw new Error(`${total - before} of ${o.events} counted in 600 s`);
  // Every 200 ms: polling faster would load the twin it measures.
  await sleep(200);
  total = await counted();
}
const countedSeconds = (performance.now() - t0) / 1000;
if (total - before !== o.events) throw new Error(`${total - before} counted, ${o.events} sent`);
console.log(
  JSON.stringify({ events: o.events, acceptedSeconds, countedSeconds, refused503: refused }),
);
