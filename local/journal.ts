/**
 * The local queue's write-ahead journal: what makes an accepted entry durable, as EventBridge and
 * SQS are in AWS. An entry is a `put` line, fsync'd (`datasync`) before the bus answers success;
 * it is cancelled by an `ack` line once ingest processed it or it went to the dead-letter file.
 * Many concurrent appends share one fsync (group commit).
 *
 * The journal is a directory of numbered segments (`00000001.jsonl`, …), one JSON line per record:
 *
 *     {"put":"<messageId>","t":<sentTimestamp>,"body":"<the SQS body>"}
 *     {"ack":["<messageId>", …]}
 *
 * The active segment is rotated past `segmentBytes`. The oldest sealed segments are deleted as
 * soon as every entry in them is acknowledged; when the sealed segments are less than half live,
 * the live entries are copied into the new segment and the sealed ones deleted. The files hence
 * hold at most about three times the live entries (which the queue's backlog bounds) plus two
 * segments, and each byte is copied at most about once more. At open, the segments are replayed,
 * their live entries copied into a fresh segment and the old ones deleted. A line a crash cut short is ignored and reported: no append it belonged to was
 * confirmed, so it holds no accepted entry (a cut `ack` only means a redelivery, which ingest
 * deduplicates by messageId).
 *
 * Hand-written: no maintained Node library offers an fsync'd, group-committed append log with
 * per-record acknowledgement; this is the ~200 lines that does.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One accepted, not yet acknowledged entry. */
export interface JournalEntry {
  readonly messageId: string;
  readonly sentTimestamp: number;
  readonly body: string;
}

/** A line of the journal that could not be read. */
export interface JournalDamage {
  file: string;
  /** 1-based. */
  line: number;
  bytes: number;
  /** `torn`: the last line of a segment, cut short by a crash; `corrupt`: any other. */
  kind: 'torn' | 'corrupt';
}

export interface JournalOptions {
  dir: string;
  /** @default 8 MiB */
  segmentBytes?: number;
  /**
   * Called once if a write or fsync fails: the journal then refuses every append (the bus fails
   * the entries, track answers 503) until a restart replays what is on disk.
   */
  onFailure?: (error: Error) => void;
}

export interface JournalStats {
  /** Entries put and not yet acknowledged. */
  live: number;
  segments: number;
  /** Bytes in every segment on disk. */
  bytes: number;
  /** fsyncs so far (each covers every append that was waiting). */
  syncs: number;
}

const SEGMENT = /^(\d{8})\.jsonl$/;
const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;

interface Segment {
  readonly id: number;
  size: number;
  liveCount: number;
  liveBytes: number;
}

interface Live {
  entry: JournalEntry;
  segment: Segment;
  bytes: number;
}

interface Pending {
  line: Buffer;
  /** Set for a put: the entry to account to the segment it lands in. */
  entry?: JournalEntry;
  done?: { resolve: () => void; reject: (error: Error) => void };
}

const segmentName = (id: number) => `${String(id).padStart(8, '0')}.jsonl`;

function putLine(e: JournalEntry): Buffer {
  return Buffer.from(
    `{"put":${JSON.stringify(e.messageId)},"t":${e.sentTimestamp},"body":${JSON.stringify(e.body)}}\n`,
  );
}

/** Reads a journal directory without changing it: the live entries, in order, and the damage. */
export function replay(dir: string): {
  entries: JournalEntry[];
  damaged: JournalDamage[];
  files: string[];
} {
  const files = segmentFiles(dir);
  const live = new Map<string, JournalEntry>();
  const damaged: JournalDamage[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch (error) {
      // Deleted by a running journal since the listing: nothing in it was live.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const lines = text.split('\n');
    // A complete segment ends with a newline: the last element is then empty.
    const last = lines.length - 1;
    lines.forEach((line, i) => {
      if (line === '' && i === last) return;
      const record = parse(line);
      if (!record) {
        // Only the end of a write can be cut short: an unreadable line anywhere else is damage.
        const kind = i === last ? 'torn' : 'corrupt';
        damaged.push({ file, line: i + 1, bytes: Buffer.byteLength(line), kind });
        return;
      }
      if ('ack' in record) for (const id of record.ack) live.delete(id);
      else live.set(record.messageId, record);
    });
  }
  return { entries: [...live.values()], damaged, files };
}

function segmentFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => SEGMENT.test(n)).sort();
}

function parse(line: string): JournalEntry | { ack: string[] } | undefined {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!r || typeof r !== 'object') return undefined;
  const o = r as Record<string, unknown>;
  if (Array.isArray(o.ack) && o.ack.every((id) => typeof id === 'string')) {
    return { ack: o.ack as string[] };
  }
  if (typeof o.put === 'string' && typeof o.t === 'number' && typeof o.body === 'string') {
    return { messageId: o.put, sentTimestamp: o.t, body: o.body };
  }
  return undefined;
}

async function syncDir(dir: string): Promise<void> {
  // Makes a segment's creation or deletion durable; not every platform can open a directory.
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort.
  } finally {
    await handle?.close();
  }
}

export class Journal {
  /** The entries left by the last run, in the order they were accepted. */
  readonly recovered: JournalEntry[];
  /** Lines of the last run's segments that could not be read (and were ignored). */
  readonly damaged: JournalDamage[];

  private readonly live = new Map<string, Live>();
  private readonly sealed: Segment[] = [];
  private active: Segment;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private failed: Error | undefined;
  private closed = false;
  private syncs = 0;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly onFailure: ((error: Error) => void) | undefined,
    private fh: FileHandle,
    active: Segment,
    recovered: JournalEntry[],
    damaged: JournalDamage[],
  ) {
    this.active = active;
    this.recovered = recovered;
    this.damaged = damaged;
  }

  /**
   * Opens the journal in `dir`: replays what is there, rewrites the live entries into a fresh
   * segment (fsync'd) and deletes the old segments.
   */
  static async open(options: JournalOptions): Promise<Journal> {
    const { dir } = options;
    mkdirSync(dir, { recursive: true });
    const { entries, damaged, files } = replay(dir);
    const last = files.at(-1);
    const id = last ? Number(SEGMENT.exec(last)?.[1]) + 1 : 1;
    const fh = await open(join(dir, segmentName(id)), 'a');
    const active: Segment = { id, size: 0, liveCount: 0, liveBytes: 0 };
    const journal = new Journal(
      dir,
      options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      options.onFailure,
      fh,
      active,
      entries,
      damaged,
    );
    if (entries.length) {
      const lines = entries.map(putLine);
      await fh.writeFile(Buffer.concat(lines));
      await fh.datasync();
      entries.forEach((entry, i) => {
        journal.account(entry, active, lines[i]?.length ?? 0);
      });
      active.size = lines.reduce((n, l) => n + l.length, 0);
    }
    await syncDir(dir);
    for (const file of files) await unlink(join(dir, file));
    if (files.length) await syncDir(dir);
    return journal;
  }

  /** Appends a put; resolves once it is on disk (fsync'd together with whatever else waited). */
  append(entry: JournalEntry): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new Error('the journal is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ line: putLine(entry), entry, done: { resolve, reject } });
      this.kick();
    });
  }

  /** Acknowledges processed entries. Not waited for: a lost ack only means a redelivery. */
  ack(messageIds: string[]): void {
    const known = messageIds.filter((id) => {
      const l = this.live.get(id);
      if (!l) return false;
      this.live.delete(id);
      l.segment.liveCount--;
      l.segment.liveBytes -= l.bytes;
      return true;
    });
    if (!known.length || this.failed || this.closed) return;
    this.queue.push({ line: Buffer.from(`${JSON.stringify({ ack: known })}\n`) });
    this.kick();
  }

  stats(): JournalStats {
    const segments = [...this.sealed, this.active];
    return {
      live: this.live.size,
      segments: segments.length,
      bytes: segments.reduce((n, s) => n + s.size, 0),
      syncs: this.syncs,
    };
  }

  /** Writes what is waiting and closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await this.writing;
    await this.fh.close();
  }

  private account(entry: JournalEntry, segment: Segment, bytes: number): void {
    this.live.set(entry.messageId, { entry, segment, bytes });
    segment.liveCount++;
    segment.liveBytes += bytes;
  }

  private kick(): void {
    this.writing ??= this.drain()
      .catch((error: Error) => {
        this.failed = error;
        for (const p of this.queue.splice(0)) p.done?.reject(error);
        this.onFailure?.(error);
      })
      .finally(() => {
        this.writing = undefined;
        // Appends made while the loop was finishing would otherwise wait for the next one.
        if (this.queue.length) this.kick();
      });
  }

  /** The single writer: each round writes everything queued, then one fsync confirms it all. */
  private async drain(): Promise<void> {
    while (this.queue.length) {
      const compacted = this.active.size >= this.segmentBytes ? await this.rotate() : [];
      const batch = this.queue.splice(0);
      const lines = [...compacted.map((c) => c.line), ...batch.map((p) => p.line)];
      try {
        await this.fh.writeFile(Buffer.concat(lines));
        await this.fh.datasync();
      } catch (error) {
        for (const p of batch) p.done?.reject(error as Error);
        throw error;
      }
      this.syncs++;
      for (const l of lines) this.active.size += l.length;
      for (const p of batch) {
        if (p.entry) this.account(p.entry, this.active, p.line.length);
        p.done?.resolve();
      }
      await this.deleteDone();
    }
  }

  /**
   * Seals the active segment and opens the next. If the sealed segments are less than half live,
   * every live entry is moved into the new segment (returned, to be written first); the sealed
   * segments are then deleted once that write is on disk.
   */
  private async rotate(): Promise<Pending[]> {
    await this.fh.close();
    this.sealed.push(this.active);
    this.active = { id: this.active.id + 1, size: 0, liveCount: 0, liveBytes: 0 };
    this.fh = await open(join(this.dir, segmentName(this.active.id)), 'a');
    await syncDir(this.dir);
    const size = this.sealed.reduce((n, s) => n + s.size, 0);
    const liveBytes = this.sealed.reduce((n, s) => n + s.liveBytes, 0);
    if (liveBytes * 2 >= size) return [];
    const moved: Pending[] = [];
    for (const l of this.live.values()) {
      const line = putLine(l.entry);
      l.segment.liveCount--;
      l.segment.liveBytes -= l.bytes;
      l.segment = this.active;
      l.bytes = line.length;
      this.active.liveCount++;
      this.active.liveBytes += line.length;
      moved.push({ line });
    }
    return moved;
  }

  /**
   * Deletes the oldest sealed segments while nothing in them is live. Only from the oldest: a
   * segment's acks cancel puts in the segments before it, which must not outlive it.
   */
  private async deleteDone(): Promise<void> {
    let deleted = false;
    while (this.sealed[0] && this.sealed[0].liveCount === 0) {
      const s = this.sealed.shift() as Segment;
      await unlink(join(this.dir, segmentName(s.id)));
      deleted = true;
    }
    if (deleted) await syncDir(this.dir);
  }
}
