import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { events as workload } from '../../../bench/workload.ts';
import { deflate, windowBitsFor } from '../../../lambdas/store/deflate.ts';

/** Text of `bytes` bytes that repeats itself at every distance, so matches reach far back. */
function repetitive(bytes: number): string {
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += `{"n":${i % 97},"w":"${'ab'.repeat(i % 13)}"}`;
  return s.slice(0, bytes);
}

describe('deflate', () => {
  it('gives the bytes of zlib with its default window, for events and at every window bound', () => {
    const texts = workload(500, { seed: 3 }).map((e) => JSON.stringify(e));
    for (let bits = 10; bits <= 15; bits++) {
      const bound = 2 ** bits - 262;
      for (const bytes of [bound - 1, bound, bound + 1, 2 ** bits, 2 ** bits + 300]) {
        texts.push(repetitive(bytes));
      }
    }
    texts.push(repetitive(100_000));
    for (const text of texts) {
      const bytes = deflate(text);
      expect(Buffer.compare(bytes, deflateRawSync(text)), `${text.length} bytes`).toBe(0);
      expect(inflateRawSync(bytes).toString('utf8')).toBe(text);
    }
  });

  it('sizes the window to the input, up to 32 KB', () => {
    expect(windowBitsFor(0)).toBe(10);
    expect(windowBitsFor(762)).toBe(10);
    expect(windowBitsFor(763)).toBe(11);
    expect(windowBitsFor(32_506)).toBe(15);
    expect(windowBitsFor(1_000_000)).toBe(15);
  });
});
