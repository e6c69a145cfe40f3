/**
 * The shape of the code, checked: no import cycle between files, and the shared rooms of
 * `lambdas/` layered so that no two of them import each other, none of them imports a function,
 * and no function imports another (what two functions run lives in a room).
 */
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/bundling.ts';

/** The rooms, each allowed to import only the ones after it in this list... */
const ROOMS = ['rebuild', 'store', 'http', 'contract', 'model'] as const;
/** ...except these pairs, which are independent of each other. */
const INDEPENDENT = [['store', 'http']];
const FUNCTIONS = ['track', 'ingest', 'rollup', 'admin'] as const;

let graph: Record<string, string[]>;
let cycles: string[][];

beforeAll(async () => {
  const result = await madge(['lambdas', 'lib', 'local', 'web', 'bin'], {
    baseDir: PROJECT_ROOT,
    fileExtensions: ['ts'],
  });
  graph = result.obj();
  cycles = result.circular();
});

/** `store` for `lambdas/store/day-store.ts`; undefined outside lambdas/. */
const folderOf = (file: string) => /^lambdas\/([^/]+)\//.exec(file)?.[1];

/** Every (importer folder, imported folder) pair between two different lambdas/ folders. */
function folderEdges(): Set<string> {
  const edges = new Set<string>();
  for (const [file, imports] of Object.entries(graph)) {
    const from = folderOf(file);
    if (!from) continue;
    for (const target of imports) {
      const to = folderOf(target);
      if (to && to !== from) edges.add(`${from} -> ${to}`);
    }
  }
  return edges;
}

describe('the code layout', () => {
  it('reads every module of lambdas/ (the graph is not empty by a wrong path)', () => {
    const folders = new Set(Object.keys(graph).map(folderOf).filter(Boolean));
    expect([...folders].sort()).toEqual([...ROOMS, ...FUNCTIONS].sort());
  });

  it('has no import cycle between files', () => {
    expect(cycles).toEqual([]);
  });

  it('layers the rooms: each imports only rooms below it, never a function', () => {
    const edges = folderEdges();
    const allowed = new Set<string>();
    ROOMS.forEach((room, i) => {
      for (const lower of ROOMS.slice(i + 1)) allowed.add(`${room} -> ${lower}`);
    });
    for (const [a, b] of INDEPENDENT) allowed.delete(`${a} -> ${b}`);
    const fromRooms = [...edges].filter((e) =>
      (ROOMS as readonly string[]).includes(e.split(' ')[0] as string),
    );
    expect(fromRooms.filter((e) => !allowed.has(e))).toEqual([]);
  });

  it('keeps the functions apart: none imports another', () => {
    const between = [...folderEdges()].filter((e) => {
      const [from, , to] = e.split(' ');
      return (
        (FUNCTIONS as readonly string[]).includes(from as string) &&
        (FUNCTIONS as readonly string[]).includes(to as string)
      );
    });
    expect(between).toEqual([]);
  });
});
