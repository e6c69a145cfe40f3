/**
 * Label caps (docs/data-model.md "Label caps"): per project and day, each kind of label a fact
 * carries (event names, models, roles, endpoints, resources) keeps the first LABEL_CAPS[kind]
 * distinct values; a fact whose label comes later is counted under "(other)". So no item that
 * keeps one entry per label — the counter buckets, the day rollup and its aggregates, the side
 * chunks, the totals — can grow with a client's imagination, and no counter update outgrows
 * DynamoDB's 4 KB expression limit.
 *
 * Which labels are kept is decided once, by ingest, before it commits the facts: a label is kept
 * if it is in the day's registry item, or if a conditional ADD puts it there while the registry
 * holds fewer than the cap. The decision is written into the fact (`capped`), and live and
 * rebuilt figures are both aggregated from facts, so they agree exactly whatever order writers
 * ran in. The all-time totals keep per-model tokens for the first LABEL_CAPS.modelAllTime models
 * of the project's life, by the same rule on a registry of their own, which the rollup reads to
 * put its corrections where ingest put the counts.
 */
import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import { TABLE } from '../contract/table.ts';
import { type Counters, tokensOfModel } from './contributions.ts';
import { mapLimit } from './dynamo.ts';
import { counted, type Fact, type LabelKind, labelsOf, OTHER_LABEL } from './facts.ts';

/** Distinct labels kept per project and day, by kind; `modelAllTime` is per project, ever. */
export const LABEL_CAPS = {
  name: 250,
  model: 100,
  role: 20,
  endpoint: 250,
  resource: 200,
  agent: 200,
  channel: 200,
  workflow: 200,
  modelAllTime: 250,
} as const;

/** A label as stored in a registry: 72 bits of its SHA-256, so a registry stays a few KB. */
const labelHash = (label: string) =>
  createHash('sha256').update(label).digest('base64url').slice(0, 12);

const SET = 's';

interface Known {
  admitted: Set<string>;
  /** The registry holds its cap: what is not admitted never will be. */
  full: boolean;
}

/**
 * What this container knows of each registry. Both facts only ever become true (a label once
 * admitted stays, a full registry stays full), so what is cached is never wrong, only incomplete.
 */
const known = new Map<string, Known>();
const KNOWN_LIMIT = 10_000;

export interface LabelDeps {
  ddb: DynamoDBDocumentClient;
  tableName: string;
}

/** Whether `label` is kept in registry `scope` (a day, or `ALL`) of `kind`, deciding if needed. */
async function admit(
  deps: LabelDeps,
  projectId: string,
  scope: string,
  kind: LabelKind | 'modelAllTime',
  label: string,
  ttl: number | undefined,
): Promise<boolean> {
  const key = keys.labelRegistry(projectId, scope, kind);
  const id = `${key.pk}\u0000${key.sk}`;
  const hash = labelHash(label);
  let entry = known.get(id);
  if (!entry) {
    if (known.size >= KNOWN_LIMIT) known.clear();
    const res = await deps.ddb.send(
      new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }),
    );
    entry = remember(id, res.Item, LABEL_CAPS[kind]);
  }
  if (entry.admitted.has(hash)) return true;
  if (entry.full) return false;
  try {
    const res = await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: key,
        UpdateExpression: `ADD #s :h${ttl === undefined ? '' : ' SET #ttl = :ttl'}`,
        ConditionExpression: 'attribute_not_exists(#s) OR size(#s) < :cap OR contains(#s, :one)',
        ExpressionAttributeNames: {
          '#s': SET,
          ...(ttl === undefined ? {} : { '#ttl': TABLE.ttlAttribute }),
        },
        ExpressionAttributeValues: {
          ':h': new Set([hash]),
          ':one': hash,
          ':cap': LABEL_CAPS[kind],
          ...(ttl === undefined ? {} : { ':ttl': ttl }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    remember(id, res.Attributes, LABEL_CAPS[kind]);
    return true;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    // Full, and without this label: read it once, and never ask again.
    const res = await deps.ddb.send(
      new GetCommand({ TableName: deps.tableName, Key: key, ConsistentRead: true }),
    );
    return remember(id, res.Item, LABEL_CAPS[kind]).admitted.has(hash);
  }
}

function remember(id: string, item: Record<string, unknown> | undefined, cap: number): Known {
  const stored = item?.[SET];
  const admitted = new Set<string>(stored instanceof Set ? (stored as Set<string>) : []);
  const entry = { admitted, full: admitted.size >= cap };
  known.set(id, entry);
  return entry;
}

/** The day's registries: what to write into each fact, and which models the totals keep. */
export interface CapDecision {
  /** Maps counter names as the totals keep them: `tokens:<model>` of a model past the cap → `tokens:(other)`. */
  totals: (counters: Counters) => Counters;
}

/** Registries decided at once; each one's labels are decided in order. */
const REGISTRY_CONCURRENCY = 4;

/**
 * Decides the labels of facts about to be committed (by each one's day) and writes each refusal
 * into its fact's `capped`; decides which of the models they keep the all-time totals keep.
 * `ttl` is the day registries' expiry (epoch s): that of the facts.
 */
export async function capLabels(
  deps: LabelDeps,
  projectId: string,
  facts: { day: string; fact: Fact }[],
  ttl: number,
): Promise<CapDecision> {
  // Each registry's distinct labels, in the order the facts bring them.
  const asked = new Map<string, { day: string; kind: LabelKind; labels: Set<string> }>();
  for (const { day, fact } of facts) {
    for (const [kind, label] of Object.entries(labelsOf(fact)) as [LabelKind, string][]) {
      const id = `${day}#${kind}`;
      const entry = asked.get(id) ?? { day, kind, labels: new Set<string>() };
      entry.labels.add(label);
      asked.set(id, entry);
    }
  }
  const kept = new Set<string>();
  await mapLimit([...asked.values()], REGISTRY_CONCURRENCY, async ({ day, kind, labels }) => {
    for (const label of labels) {
      if (await admit(deps, projectId, day, kind, label, ttl)) kept.add(`${day}#${kind}#${label}`);
    }
  });
  const models = new Set<string>();
  for (const { day, fact } of facts) {
    const refused = (Object.entries(labelsOf(fact)) as [LabelKind, string][])
      .filter(([kind, label]) => !kept.has(`${day}#${kind}#${label}`))
      .map(([kind]) => kind);
    if (refused.length) fact.capped = refused;
    else delete fact.capped;
    const model = counted(fact).model;
    if (model !== undefined && model !== OTHER_LABEL) models.add(model);
  }
  const allTime = new Set<string>();
  for (const model of models) {
    if (await admit(deps, projectId, 'ALL', 'modelAllTime', model, undefined)) allTime.add(model);
  }
  return { totals: (c) => mapModels(c, (m) => allTime.has(m)) };
}

/**
 * The all-time registry's decision for every model of `counters`, deciding the undecided (a
 * rollup correcting totals for a model no commit has decided yet), and the counters mapped.
 */
export async function totalsOf(
  deps: LabelDeps,
  projectId: string,
  counters: Counters,
): Promise<Counters> {
  const decided = new Map<string, boolean>();
  for (const name of Object.keys(counters)) {
    const model = modelOf(name);
    if (model === undefined || model === OTHER_LABEL) continue;
    decided.set(model, await admit(deps, projectId, 'ALL', 'modelAllTime', model, undefined));
  }
  return mapModels(counters, (m) => decided.get(m) ?? false);
}

const TOKENS_PREFIX = tokensOfModel('');
const modelOf = (counter: string) =>
  counter.startsWith(TOKENS_PREFIX) ? counter.slice(TOKENS_PREFIX.length) : undefined;

function mapModels(counters: Counters, kept: (model: string) => boolean): Counters {
  const out: Counters = {};
  for (const [name, value] of Object.entries(counters)) {
    const model = modelOf(name);
    const to =
      model === undefined || model === OTHER_LABEL || kept(model)
        ? name
        : tokensOfModel(OTHER_LABEL);
    out[to] = (out[to] ?? 0) + value;
  }
  return out;
}
