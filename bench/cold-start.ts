/**
 * Module init of each Lambda bundle as CDK deploys it (lib/bundling.ts), as a ratio to a *floor*:
 * a bundle built the same way that holds only the SDK clients the function creates at init, and
 * creates them — what any handler on the AWS SDK pays. Each bundle and its floor are imported in a
 * fresh Node process, in rounds that take every bundle and floor in turn (the order rotating), so
 * the machine's load falls on both alike; the ratio is the median of the rounds' ratios.
 * `npx tsx bench/cold-start.ts [--runs 9]` runs this section alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { INGEST } from '../lambdas/contract/config/ingest.ts';
import { JWT } from '../lambdas/contract/config/jwt.ts';
import { STORAGE } from '../lambdas/contract/config/storage.ts';
import { TRACK } from '../lambdas/contract/config/track.ts';
import { bundleLambda, LAMBDA_ENVIRONMENT, type LambdaName } from '../lib/bundling.ts';
import { buildLambdas } from '../scripts/build.ts';

/** The SDK clients each function creates at init (its handler's module scope), and nothing else. */
const FLOORS: Record<LambdaName, string> = {
  track: `import { documentClient, eventBridgeClient } from './lambdas/http/clients.ts';
export const clients = [documentClient({}), eventBridgeClient(undefined)];`,
  ingest: `import { SQSClient } from '@aws-sdk/client-sqs';
import { documentClient } from './lambdas/http/clients.ts';
export const clients = [documentClient({}), new SQSClient({})];`,
  admin: `import { documentClient } from './lambdas/http/clients.ts';
export const clients = [documentClient({})];`,
  rollup: `import { documentClient } from './lambdas/http/clients.ts';
export const clients = [documentClient({})];`,
};

/** The environment a deployed function has (lib/), with dummy values: init reads it. */
const ENV = {
  ...LAMBDA_ENVIRONMENT,
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  [STORAGE.tableName.env]: 'tally',
  [TRACK.eventBusName.env]: 'tally',
  [JWT.jwksUrl.env]: 'https://issuer.example/.well-known/jwks.json',
  [INGEST.deadLetterQueueUrl.env]: 'https://sqs.us-east-1.amazonaws.com/000000000000/tally-dlq',
  POWERTOOLS_METRICS_NAMESPACE: 'Tally/Bench',
};

export interface ColdStart {
  /** Bytes read and compiled at init: the entry and the chunks it imports statically (not the lazy chunks). */
  bytes: number;
  /** Median module init, ms. */
  initMs: number;
  floorBytes: number;
  floorInitMs: number;
  /** Median over the rounds of init ÷ the floor's init in the same round. */
  ratio: number;
  /**
   * Median ms to load each of our lazily loaded modules (not the AWS SDK's, which the floor has
   * too) in a process that has loaded the bundle: what the first request needing it pays, once
   * per container.
   */
  firstUseMs: Record<string, number>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Milliseconds to import `file` in a fresh Node process. */
function initMs(file: string): number {
  const out = spawnSync(
    process.execPath,
    [
      '-e',
      `const t=performance.now();import(${JSON.stringify(file)}).then(()=>console.log(performance.now()-t))`,
    ],
    { encoding: 'utf8', env: ENV },
  );
  if (out.status !== 0) throw new Error(`${file} failed to load: ${out.stderr}`);
  return Number(out.stdout.trim());
}

/** Milliseconds to import `chunk` in a fresh Node process that has imported `file`. */
function firstUseMs(file: string, chunk: string): number {
  const out = spawnSync(
    process.execPath,
    [
      '-e',
      `import(${JSON.stringify(file)}).then(async()=>{const t=performance.now();await import(${JSON.stringify(chunk)});console.log(performance.now()-t)})`,
    ],
    { encoding: 'utf8', env: ENV },
  );
  if (out.status !== 0) throw new Error(`${chunk} failed to load: ${out.stderr}`);
  return Number(out.stdout.trim());
}

/** The floor of `name`, built by the same function as the bundles. */
function buildFloor(name: LambdaName, dir: string): { file: string; bytes: number } {
  const { file, bytes } = bundleLambda(
    { contents: FLOORS[name], sourcefile: `floor-${name}.ts` },
    join(dir, `floor-${name}`),
  );
  return { file, bytes };
}

/** Builds every bundle and its floor, then times them interleaved, `runs` rounds. */
export async function coldStarts(runs: number): Promise<Record<LambdaName, ColdStart>> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-cold-start-'));
  const pairs = buildLambdas(join(dir, 'lambdas')).map((b) => ({
    ...b,
    floor: buildFloor(b.name, dir),
  }));
  // Every file once first: the page cache then holds them all alike.
  for (const p of pairs) {
    initMs(p.file);
    initMs(p.floor.file);
  }
  const samples = pairs.map(() => ({
    init: [] as number[],
    floor: [] as number[],
    ratio: [] as number[],
  }));
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < pairs.length; k++) {
      const i = (k + round) % pairs.length;
      const p = pairs[i] as (typeof pairs)[number];
      const s = samples[i] as (typeof samples)[number];
      // Which of the two goes first alternates too.
      const [a, b] = round % 2 ? [p.floor.file, p.file] : [p.file, p.floor.file];
      const [ta, tb] = [initMs(a), initMs(b)];
      const [init, floor] = round % 2 ? [tb, ta] : [ta, tb];
      s.init.push(init);
      s.floor.push(floor);
      s.ratio.push(init / floor);
    }
  }
  const firstUse = pairs.map((p) => {
    const lazy = Object.entries(p.lazyModules);
    const times = lazy.map(() => [] as number[]);
    for (let r = 0; r < runs; r++) {
      lazy.forEach(([, chunk], j) => {
        times[j]?.push(firstUseMs(p.file, join(dirname(p.file), chunk)));
      });
    }
    return Object.fromEntries(lazy.map(([m], j) => [m, round(median(times[j] ?? []), 1)]));
  });
  return Object.fromEntries(
    pairs.map((p, i) => {
      const s = samples[i] as (typeof samples)[number];
      return [
        p.name,
        {
          bytes: p.bytes,
          initMs: round(median(s.init)),
          floorBytes: p.floor.bytes,
          floorInitMs: round(median(s.floor)),
          ratio: round(median(s.ratio), 2),
          firstUseMs: firstUse[i] ?? {},
        },
      ];
    }),
  ) as Record<LambdaName, ColdStart>;
}

// Run directly (not imported by bench/run.ts): this section alone.
if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
  console.log(JSON.stringify(await coldStarts(Number(values.runs)), null, 2));
}
