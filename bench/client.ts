/**
 * The client section of `npm run bench`: what `@tally/client` costs a service and what it
 * delivers.
 *
 * - Middleware latency: two processes run the same `node:http` service (bench/client-service.ts),
 *   one with the API-usage middleware reporting into the running twin, one without; a third
 *   (bench/client-load.ts) sends requests alternating between them, one at a time, over
 *   keep-alive connections, so the machine's load falls on both alike. The added latency is the
 *   difference of their p50 and p99. The services run the client as published (client/ built by
 *   tsc, as `npm pack` does) on plain Node (their own types stripped): what a service installs
 *   and runs, not the sources through tsx, whose transform adds work to every call (a
 *   `__name` wrapper for each function created).
 * - Throughput: one client (default options) sends the standard workload into the running twin;
 *   events/s until every event is stored, as a ratio of the raw BatchWriteItem reference.
 *
 * Alone (`npx tsx bench/client.ts [--quick]`): starts DynamoDB Local, the reference and the twin
 * as `npm run bench` does, runs this section and prints its results as JSON.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type Dropped,
  type IdentifyCall,
  type PageCall,
  Tally,
  type TrackCall,
} from '../client/src/index.ts';
import { projectKey } from '../test/helpers/project.ts';
import { events as workload } from './workload.ts';

export interface ClientBenchInputs {
  baseUrl: string;
  /** A write key for a project of its own. */
  keyFor: (project: string) => Promise<string>;
  /** Events stored (and counted) for a project. */
  storedEvents: (project: string) => Promise<number>;
  /** Resolves when ingest has stored everything accepted. */
  idle: () => Promise<void>;
  /** Raw BatchWriteItem items/s, measured in the same run. */
  referencePerSec: number;
  /** The processes that are Tally here (the twin's, DynamoDB Local's): see `coreSplit`. */
  tallyPids: number[];
  scale: number;
  log: (line: string) => void;
}

interface Latency {
  p50: number;
  p99: number;
  n: number;
}

interface MiddlewareLatency {
  requests: number;
  /** Requests to each before the measured ones. */
  warmup: number;
  without: Latency;
  with: Latency;
  addedP50Ms: number;
  addedP99Ms: number;
  /**
   * The service process's CPU time per request (µs), without and with the middleware: what the
   * middleware and the client (recording, batching, sending) cost the service in all, a figure
   * that moves far less with the machine's load than a p99 does.
   */
  cpuPerRequestUs: { without: number; with: number };
  /** The machine's 1-minute load average before and after: p99s move with it. */
  loadAverage: [number, number];
}

export interface ClientBenchResults {
  /**
   * The judged figure: the services and their load on core 0, Tally on the others (as a service
   * and the analytics it reports to run on different machines); measured on shared cores when
   * the machine cannot pin processes (then `separateCores` is false).
   */
  middleware: MiddlewareLatency & { separateCores: boolean };
  /** The same measure with every process on every core: Tally's work competes with the service's. */
  middlewareSharedCores: MiddlewareLatency;
  throughput: { events: number; seconds: number; eventsPerSec: number; ratio: number };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * The cores of the middleware measure. The twin (Tally) runs on this machine, and each flush of
 * the service's client makes it work for a while on both cores: the service then waits for a core
 * behind Tally, a cost of sharing 2 cores with the analytics backend, not of the middleware. So
 * the services and the load generator get core 0 and Tally's processes the others
 * (`taskset`, Linux), and it is put back on every core after. Undefined where that cannot be done.
 */
function coreSplit(tallyPids: number[]) {
  const cores = availableParallelism();
  if (cores < 2 || process.platform !== 'linux' || tallyPids.length === 0) return undefined;
  const pin = (list: string) => {
    for (const pid of tallyPids) {
      execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
    }
  };
  try {
    pin(`1-${cores - 1}`);
  } catch {
    return undefined;
  }
  return { prefix: ['taskset', '-c', '0'], restore: () => pin(`0-${cores - 1}`) };
}

/**
 * A benchmark helper process (`node --experimental-strip-types bench/<file>`: plain Node, its
 * types stripped), read line by line as JSON.
 */
function helper(
  file: string,
  args: string[],
  env: Record<string, string> = {},
  prefix: string[] = [],
) {
  const [command, ...rest] = [
    ...prefix,
    process.execPath,
    '--experimental-strip-types',
    '--no-warnings',
    join(import.meta.dirname, file),
    ...args,
  ] as [string, ...string[]];
  const child = spawn(command, rest, {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[
    Symbol.asyncIterator
  ]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`bench/${file} ${args.join(' ')} exited`);
    return JSON.parse(value as string) as Record<string, unknown>;
  };
  return { child, next };
}

let published: string | undefined;
/**
 * The client as `npm pack` publishes it: client/ built by tsc (its `prepack`), into a directory
 * of this run; the entry's file URL.
 */
function publishedClient(): string {
  if (published) return published;
  const root = resolve(import.meta.dirname, '..');
  const outDir = mkdtempSync(join(tmpdir(), 'tally-client-dist-'));
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(root, 'client/tsconfig.json'),
      '--outDir',
      outDir,
    ],
    { stdio: 'inherit' },
  );
  published = pathToFileURL(join(outDir, 'index.js')).href;
  return published;
}

async function middlewareLatency(
  inputs: ClientBenchInputs,
  project: string,
  prefix: string[] = [],
): Promise<MiddlewareLatency> {
  const env = {
    TALLY_HOST: inputs.baseUrl,
    TALLY_WRITE_KEY: await inputs.keyFor(project),
    TALLY_CLIENT_ENTRY: publishedClient(),
  };
  const loadBefore = round(loadavg()[0] ?? 0, 1);
  const off = helper('client-service.ts', ['off'], env, prefix);
  const on = helper('client-service.ts', ['on'], env, prefix);
  const ports = { off: (await off.next()).port as number, on: (await on.next()).port as number };
  // The warm-up lets V8 finish compiling the services' (and Node.js's) hot code. A p99 of 30,000
  // requests per arm is their 300th slowest: with 10,000 (the 100th) the added p99 moved between
  // 0.11 and 0.36 ms from run to run on this 2-core machine, where most of either tail is time
  // the service waited for the core before it read the request.
  const warmup = Math.round(5000 * inputs.scale);
  const measured = Math.round(30_000 * inputs.scale);
  let result: { off: Latency; on: Latency };
  try {
    const load = helper(
      'client-load.ts',
      [JSON.stringify({ ...ports, warmup, measured })],
      {},
      prefix,
    );
    result = (await load.next()) as typeof result;
  } finally {
    for (const s of [off, on]) s.child.stdin?.write('stop\n');
  }
  const { stats, cpuUs: onCpu } = (await on.next()) as {
    stats: { delivered: number; dropped: number };
    cpuUs: number;
  };
  const { cpuUs: offCpu } = (await off.next()) as { cpuUs: number };
  await inputs.idle();
  const stored = await inputs.storedEvents(project);
  const requests = warmup + measured;
  // The middleware recorded every request, and Tally has each exactly once.
  if (stats.delivered !== requests || stats.dropped !== 0 || stored !== requests) {
    throw new Error(
      `middleware: ${requests} requests, ${stats.delivered} delivered, ${stats.dropped} dropped, ${stored} stored`,
    );
  }
  return {
    requests: measured,
    warmup,
    without: result.off,
    with: result.on,
    addedP50Ms: round(result.on.p50 - result.off.p50),
    addedP99Ms: round(result.on.p99 - result.off.p99),
    cpuPerRequestUs: { without: round(offCpu / requests, 1), with: round(onCpu / requests, 1) },
    loadAverage: [loadBefore, round(loadavg()[0] ?? 0, 1)] as [number, number],
  };
}

async function throughput(inputs: ClientBenchInputs) {
  const project = 'client-tp';
  const n = Math.round(20_000 * inputs.scale);
  const list = workload(n, { seed: 11, userPrefix: 'ctp' });
  const dropped: Dropped[] = [];
  const tally = new Tally({
    writeKey: await inputs.keyFor(project),
    host: inputs.baseUrl,
    // The whole workload may wait: this measures how fast one client empties its queue.
    maxQueueEvents: n,
    maxQueueBytes: 1024 * 1024 * 1024,
    onDrop: (d) => dropped.push(...d),
  });
  const t0 = performance.now();
  for (const m of list) {
    if (m.type === 'identify') tally.identify(m as IdentifyCall);
    else if (m.type === 'page') tally.page(m as PageCall);
    else tally.track(m as unknown as TrackCall);
  }
  await tally.close({ timeoutMs: 600_000 });
  await inputs.idle();
  const seconds = (performance.now() - t0) / 1000;
  const stored = await inputs.storedEvents(project);
  if (dropped.length > 0 || stored !== n) {
    throw new Error(`client throughput: ${n} sent, ${dropped.length} dropped, ${stored} stored`);
  }
  const eventsPerSec = Math.round(n / seconds);
  return {
    events: n,
    seconds: round(seconds, 1),
    eventsPerSec,
    ratio: round(eventsPerSec / inputs.referencePerSec, 2),
  };
}

const describe = (m: MiddlewareLatency) =>
  `p50 ${m.without.p50} → ${m.with.p50} ms, p99 ${m.without.p99} → ${m.with.p99} ms (added p99 ${m.addedP99Ms} ms)`;

export async function clientBench(inputs: ClientBenchInputs): Promise<ClientBenchResults> {
  const shared = await middlewareLatency(inputs, 'client-mw-shared');
  inputs.log(`client middleware, every process on every core: ${describe(shared)}`);
  const split = coreSplit(inputs.tallyPids);
  let middleware: ClientBenchResults['middleware'];
  try {
    middleware = split
      ? { ...(await middlewareLatency(inputs, 'client-mw', split.prefix)), separateCores: true }
      : { ...shared, separateCores: false };
  } finally {
    split?.restore();
  }
  if (split)
    inputs.log(
      `client middleware, service on core 0, Tally on the others: ${describe(middleware)}`,
    );
  const tp = await throughput(inputs);
  inputs.log(`client throughput: ${tp.eventsPerSec} events/s (${tp.ratio} × raw BatchWriteItem)`);
  return { middleware, middlewareSharedCores: shared, throughput: tp };
}

/** The budget row (docs/architecture.md "Budgets": middleware overhead per request ≤ 0.2 ms p99). */
export function clientBudget(r: ClientBenchResults) {
  return {
    name: 'Client middleware added latency per request, p99',
    value: r.middleware.addedP99Ms,
    budget: '≤ 0.2 ms',
    met: r.middleware.addedP99Ms <= 0.2,
  };
}

/** The client section of docs/performance.md. */
export function clientMarkdown(r: ClientBenchResults): string {
  const m = r.middleware;
  const sh = r.middlewareSharedCores;
  const t = r.throughput;
  const where = m.separateCores
    ? `The services and the load generator ran on core 0 and Tally (the twin and DynamoDB Local) on
the other cores (\`taskset\`), as a service and the analytics it reports to run on different
machines: on shared cores, each flush makes Tally work on both cores and the service then waits
behind it, which is a cost of sharing 2 cores with the backend, not of the middleware. The same
measure on shared cores is the last two rows.`
    : 'Every process ran on every core (this machine cannot pin processes).';
  return `## Client (\`@tally/client\`)

The \`node:http\` API-usage middleware, on a service answering \`GET /users/:id\`, in its own
process, reporting into the twin; the same service without it in another process. The services
run the client as published (client/ built by tsc, as \`npm pack\` does) on plain Node; ${m.requests}
requests to each, alternating one at a time over keep-alive connections, after a warm-up of
${m.warmup} each. Every
request was recorded and stored once. ${where} The machine's load average was ${m.loadAverage[0]}
before and ${m.loadAverage[1]} after (2 cores): the tail of both columns moves with it.
\`npx tsx bench/client.ts\` runs this section alone.

| | p50 ms | p99 ms |
|---|---|---|
| without the middleware | ${m.without.p50} | ${m.without.p99} |
| with the middleware | ${m.with.p50} | ${m.with.p99} |
| **added** | ${m.addedP50Ms} | **${m.addedP99Ms}** |
| added, every process on every core | ${sh.addedP50Ms} | ${sh.addedP99Ms} |
| (without / with, on shared cores) | ${sh.without.p50} / ${sh.with.p50} | ${sh.without.p99} / ${sh.with.p99} |

The service's CPU time per request (all its threads, from listening to the end of the load, the
warm-up included): ${m.cpuPerRequestUs.without} µs without the middleware, ${m.cpuPerRequestUs.with} µs
with it (on shared cores ${sh.cpuPerRequestUs.without} and ${sh.cpuPerRequestUs.with} µs). The
difference is everything the middleware and the client do for a request, spread over the requests:
recording it, and its share of batching and sending. A batch of 500 of these events is over
128 KB, the size past which V8 and malloc give a string or buffer pages of its own, which on this
machine costs far more than copying it; so on Node.js the client writes a body over
\`node:http\` in pieces of ~16 KB, one per turn of the event loop, and never joins it
(client/README.md "Delivery").

One client with its default options (batches of up to 500, 4 requests in flight) sending the
standard workload into the twin: ${t.events} events stored in ${t.seconds} s, **${t.eventsPerSec}
events/s, ${t.ratio} × raw BatchWriteItem** (one event per request reaches the ratio in the
ingest table's first row).
`;
}

/** This section alone: DynamoDB Local in memory, the raw reference and a twin of its own. */
async function standalone(quick: boolean): Promise<void> {
  const [{ startDynamoDbLocal }, { startLocalStack }, { readTotals }, reference, logs] =
    await Promise.all([
      import('../local/dynamodb-local.ts'),
      import('../local/stack.ts'),
      import('../lambdas/store/counters.ts'),
      import('./reference.ts'),
      import('./logs.ts'),
    ]);
  // As in bench/run.ts: the handlers log at INFO, as deployed, kept off this output.
  process.env.LOG_LEVEL = 'INFO';
  delete process.env.POWERTOOLS_LOG_LEVEL;
  const handlerLogs = logs.captureHandlerLogs();
  const started = Date.now();
  const log = (line: string) =>
    console.error(
      `[bench client ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}`,
    );
  const dynamo = await startDynamoDbLocal({ inMemory: true });
  const runId = Date.now().toString(36);
  let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
  try {
    const referencePerSec = await reference.rawBatchWriteItemsPerSec(
      dynamo.endpoint,
      `bench-reference-${runId}`,
      quick ? 300 : 20_000,
    );
    log(`raw BatchWriteItem: ${referencePerSec} items/s`);
    const twin = await startLocalStack({
      port: 0,
      dataDir: mkdtempSync(join(tmpdir(), 'tally-bench-client-')),
      dynamodbEndpoint: dynamo.endpoint,
      tableName: `bench-${runId}`,
      rollupIntervalMs: 0,
      log: () => undefined,
    });
    stack = twin;
    const keys = new Map<string, string>();
    const keyFor = async (project: string) => {
      const key = keys.get(project) ?? (await projectKey(twin, project));
      keys.set(project, key);
      return key;
    };
    const results = await clientBench({
      baseUrl: twin.baseUrl,
      keyFor,
      storedEvents: async (p) => (await readTotals(twin.ddb, twin.tableName, p)).events ?? 0,
      idle: () => twin.idle(),
      referencePerSec,
      tallyPids: [process.pid, ...(dynamo.pid ? [dynamo.pid] : [])],
      scale: quick ? 0.02 : 1,
      log,
    });
    handlerLogs.stop();
    console.log(JSON.stringify({ ...results, budget: clientBudget(results) }, null, 2));
  } finally {
    handlerLogs.stop();
    await stack?.stop();
    await dynamo.stop();
  }
}

// Run directly (not imported by bench/run.ts): this section alone.
if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  await standalone(values.quick);
}
