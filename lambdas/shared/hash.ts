/**
 * FNV-1a, 32 bit. Written by hand because it is six lines and only picks a shard: it must be
 * fast and stable forever, not cryptographic.
 */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shard, in `[0, shards)`, that `id` always lands in. */
export function shardOf(id: string, shards: number): number {
  return fnv1a(id) % shards;
}
