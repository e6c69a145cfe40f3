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
 * holds fewer than the cap (one ADD for all of a batch's new labels while there is room for all).
 * The decision is written into the fact (`capped`), and live and rebuilt figures are both
 * aggregated from facts, so they agree exactly whatever order writers ran in. The all-time
 * totals keep per-model tokens for the first LABEL_CAPS.modelAllTime models of the project's
 * life, by the same rule on a registry of their own, which the rollup reads to put its
 * corrections where ingest put the counts.
 */
import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../contract/keys.ts';
import { TABLE } from '../contract/table.ts';
import { own, setOwn } from '../model/records.ts';
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

type Kind = LabelKind | 'modelAllTime';

/** A registry: its key, and the id its cache entry goes by (the table's name included). */
function registry(deps: LabelDeps, projectId: string, scope: string, kind: Kind) {
  const key = keys.labelRegistry(projectId, scope, kind);
  return { key, id: `${deps.tableName}\u0000${key.pk}\u0000${key.sk}` };
}

/** What this container knows of a registry, read (consistently) if it knows nothing yet. */
async function knownOf(deps: LabelDeps, r: ReturnType<typeof registry>, kind: Kind) {
  const entry = known.get(r.id);
  if (entry) return entry;
  if (known.size >= KNOWN_LIMIT) known.clear();
  const res = await deps.ddb.send(
    new GetCommand({ TableName: deps.tableName, Key: r.key, ConsistentRead: true }),
  );
  return remember(r.id, res.Item, LABEL_CAPS[kind]);
}

/**
 * Adds `hashes` to a registry on `condition`; false when the condition does not hold. `ttl`
 * (epoch s) is the registry's expiry, none for `ALL`.
 */
async function add(
  deps: LabelDeps,
  r: ReturnType<typeof registry>,
  kind: Kind,
  hashes: string[],
  condition: { expression: string; values: Record<string, unknown> },
  ttl: number | undefined,
): Promise<boolean> {
  try {
    const res = await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: r.key,
        UpdateExpression: `ADD #s :h${ttl === undefined ? '' : ' SET #ttl = :ttl'}`,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: {
          '#s': SET,
          ...(ttl === undefined ? {} : { '#ttl': TABLE.ttlAttribute }),
        },
        ExpressionAttributeValues: {
          ':h': new Set(hashes),
          ...condition.values,
          ...(ttl === undefined ? {} : { ':ttl': ttl }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    remember(r.id, res.Attributes, LABEL_CAPS[kind]);
    return true;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    return false;
  }
}

/** Whether `label` is kept in registry `scope` (a day, or `ALL`) of `kind`, deciding if needed. */
async function admit(
  deps: LabelDeps,
  projectId: string,
  scope: string,
  kind: Kind,
  label: string,
  ttl: number | undefined,
): Promise<boolean> {
  const r = registry(deps, projectId, scope, kind);
  const hash = labelHash(label);
  const entry = await knownOf(deps, r, kind);
  if (entry.admitted.has(hash)) return true;
  if (entry.full) return false;
  const condition = {
    expression: 'attribute_not_exists(#s) OR size(#s) < :cap OR contains(#s, :one)',
    values: { ':one': hash, ':cap': LABEL_CAPS[kind] },
  };
  if (await add(deps, r, kind, [hash], condition, ttl)) return true;
  // Full, and without this label: read it once, and never ask again.
  known.delete(r.id);
  return (await knownOf(deps, r, kind)).admitted.has(hash);
}

/**
 * The labels of `labels` (in the order they came) that registry `scope` of `kind` keeps, deciding
 * the undecided: all in one write while the registry has room for every one of them (the usual
 * case: a day's first batches bring its labels), else one by one in order, as `admit` does.
 */
async function admitAll(
  deps: LabelDeps,
  projectId: string,
  scope: string,
  kind: Kind,
  labels: Iterable<string>,
  ttl: number | undefined,
): Promise<Set<string>> {
  const r = registry(deps, projectId, scope, kind);
  const entry = await knownOf(deps, r, kind);
  const kept = new Set<string>();
  const undecided = new Map<string, string[]>();
  for (const label of labels) {
    const hash = labelHash(label);
    if (entry.admitted.has(hash)) kept.add(label);
    else if (!entry.full) undecided.set(hash, [...(undecided.get(hash) ?? []), label]);
  }
  if (!undecided.size) return kept;
  const cap = LABEL_CAPS[kind];
  // Room for all: however many of them others added meanwhile, the registry ends within its cap.
  const room = {
    expression: 'attribute_not_exists(#s) OR size(#s) <= :room',
    values: { ':room': cap - undecided.size },
  };
  if (undecided.size <= cap && (await add(deps, r, kind, [...undecided.keys()], room, ttl))) {
    for (const list of undecided.values()) for (const label of list) kept.add(label);
    return kept;
  }
  for (const list of undecided.values()) {
    for (const label of list) {
      if (await admit(deps, projectId, scope, kind, label, ttl)) kept.add(label);
    }
  }
  return kept;
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
    for (const label of await admitAll(deps, projectId, day, kind, labels, ttl)) {
      kept.add(`${day}#${kind}#${label}`);
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
  const allTime = models.size
    ? await admitAll(deps, projectId, 'ALL', 'modelAllTime', models, undefined)
    : new Set<string>();
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
    setOwn(out, to, (own(out, to) ?? 0) + value);
  }
  return out;
}
