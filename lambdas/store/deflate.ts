/**
 * Raw deflate of the JSON the table stores (raw events, fact-log items, side chunks). zlib's
 * default window is 32 KB, and setting up its state for each call is most of the time a
 * half-KB event takes to compress; a window no larger than the input needs gives the same
 * bytes (no match can reach further back than the input's start) for a fraction of the setup.
 * Any raw inflate reads the result: a window only bounds how far back a match may point.
 */
import { deflateRawSync } from 'node:zlib';

/** zlib keeps this much of the window free of matches (MIN_LOOKAHEAD). */
const LOOKAHEAD = 262;

/** The smallest window (2^10 to 2^15 bytes) that spans an input of `bytes`. */
export function windowBitsFor(bytes: number): number {
  let bits = 10;
  while (bits < 15 && 2 ** bits - LOOKAHEAD < bytes) bits++;
  return bits;
}

/** Deflates `text` (UTF-8) without a zlib header, as `inflateRawSync` reads it. */
export function deflate(text: string): Buffer {
  const input = Buffer.from(text);
  return deflateRawSync(input, { windowBits: windowBitsFor(input.length) });
}
