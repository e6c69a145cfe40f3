import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, type JournalEntry, replay } from '../../local/journal.ts';

const newDir = () => mkdtempSync(join(tmpdir(), 'tally-journal-'));
const entry = (n: number, body = `{"n":${n}}`): JournalEntry => ({
  messageId: `m${n}`,
  sentTimestamp: 1_700_000_000_000 + n,
  body,
});
/** Bytes of every file in the journal directory (one the writer deletes meanwhile counts 0). */
const diskBytes = (dir: string) =>
  readdirSync(dir).reduce(
    (n, f) => n + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0),
    0,
  );
const onlyFile = (dir: string) => {
  const files = readdirSync(dir);
  expect(files).toHaveLength(1);
  return join(dir, files[0] as string);
};

describe('queue journal', () => {
  it('confirms many concurrent appends with a handful of fsyncs (group commit)', async () => {
    const dir = newDir();
    const journal = await Journal.open({ dir });
    await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append(entry(i))));
    const { syncs, live } = journal.stats();
    expect(live).toBe(200);
    // The first append starts a write alone; the other 199 wait for it and share the next one.
    expect(syncs).toBeLessThanOrEqual(3);
    await journal.close();
    expect(replay(dir).entries).toHaveLength(200);
  });

  it('keeps what was appended and not acknowledged, across a crash (no close)', async () => {
    const dir = newDir();
    const journal = await Journal.open({ dir });
    for (let i = 0; i < 5; i++) await journal.append(entry(i));
    journal.ack(['m1', 'm3']);
    await journal.append(entry(5));
    // The process dies here: nothing is closed or flushed beyond what append confirmed.
    const again = await Journal.open({ dir });
    expect(again.recovered).toEqual([entry(0), entry(2), entry(4), entry(5)]);
    expect(again.damaged).toEqual([]);
    await again.close();
    await journal.close(); // only the file handle the dead process would have lost
  });

  it('ignores and reports a torn last line, and rewrites the journal without it', async () => {
    const dir = newDir();
    const journal = await Journal.open({ dir });
    await journal.append(entry(1));
    await journal.append(entry(2, 'with "quotes", \\ and ünïcödé'));
    await journal.close();
    // A crash in the middle of writing the next line: part of it reached the file.
    const file = onlyFile(dir);
    const torn = '{"put":"m3","t":1700000000003,"body":"{\\"n\\"';
    appendFileSync(file, torn);

    const reopened = await Journal.open({ dir });
    expect(reopened.recovered).toEqual([entry(1), entry(2, 'with "quotes", \\ and ünïcödé')]);
    expect(reopened.damaged).toEqual([
      { file: file.split('/').pop(), line: 3, bytes: Buffer.byteLength(torn), kind: 'torn' },
    ]);
    await reopened.close();
    // The fresh segment holds the two entries and nothing torn.
    expect(replay(dir)).toMatchObject({ entries: [entry(1), entry(2, expect.any(String))] });
    expect(replay(dir).damaged).toEqual([]);
  });

  it('a torn ack only means a redelivery; a damaged line in the middle is reported as corrupt', async () => {
    const dir = newDir();
    const journal = await Journal.open({ dir });
    await journal.append(entry(1));
    await journal.append(entry(2));
    await journal.close();
    const file = onlyFile(dir);
    const [first, second] = readFileSync(file, 'utf8').split('\n');
    appendFileSync(file, '{"ack":["m1"');
    const reopened = await Journal.open({ dir });
    expect(reopened.recovered.map((e) => e.messageId)).toEqual(['m1', 'm2']);
    expect(reopened.damaged.map((d) => d.kind)).toEqual(['torn']);
    await reopened.close();

    const other = newDir();
    appendFileSync(join(other, '00000001.jsonl'), `${first}\nnot json\n${second}\n`);
    const read = await Journal.open({ dir: other });
    expect(read.recovered.map((e) => e.messageId)).toEqual(['m1', 'm2']);
    expect(read.damaged).toEqual([{ file: '00000001.jsonl', line: 2, bytes: 8, kind: 'corrupt' }]);
    await read.close();
  });

  it('stays bounded on disk: acknowledged segments are deleted, sparse ones compacted', async () => {
    const dir = newDir();
    const segmentBytes = 4096;
    const journal = await Journal.open({ dir, segmentBytes });
    const body = JSON.stringify({ detail: 'x'.repeat(150) });
    const pinned: JournalEntry[] = [];
    let largest = 0;
    let liveBytes = 0;
    for (let i = 0; i < 1000; i++) {
      const e = entry(i, body);
      await journal.append(e);
      // Every 50th entry stays unacknowledged (a message being retried, say); the rest are
      // processed at once.
      if (i % 50 === 0) {
        pinned.push(e);
        liveBytes += JSON.stringify({ put: e.messageId, t: e.sentTimestamp, body }).length + 1;
      } else journal.ack([e.messageId]);
      largest = Math.max(largest, diskBytes(dir));
    }
    await journal.close();
    const written = 1000 * (body.length + 60);
    // Without compaction the files would hold every line ever written: ~220 KB.
    expect(written).toBeGreaterThan(200_000);
    // At most about three times the live entries plus two segments, whatever was written.
    expect(largest).toBeLessThanOrEqual(3 * liveBytes + 3 * segmentBytes);
    expect(replay(dir).entries).toEqual(pinned);
    const reopened = await Journal.open({ dir, segmentBytes });
    expect(reopened.recovered).toEqual(pinned);
    await reopened.close();
  });

  it('after a failed write, refuses every append and says so once', async () => {
    const failures: Error[] = [];
    const journal = await Journal.open({ dir: newDir(), onFailure: (e) => failures.push(e) });
    await journal.append(entry(1));
    // The disk goes away under the writer (injected: its file handle is closed).
    await (journal as unknown as { fh: { close(): Promise<void> } }).fh.close();
    await expect(journal.append(entry(2))).rejects.toThrow();
    await expect(journal.append(entry(3))).rejects.toThrow();
    expect(failures).toHaveLength(1);
  });

  it('refuses appends after close', async () => {
    const journal = await Journal.open({ dir: newDir() });
    await journal.close();
    await expect(journal.append(entry(1))).rejects.toThrow(/closed/);
  });
});
