import { CODEC_SNAPPY_NATIVE_MIN_BYTES } from '../../constants.js';
import type { KafkaError } from '../errors.js';
import { corrupt, inflatesPastBound } from './errors.js';
import { lazyRequire } from './lazy-require.js';

/*
 * Kafka snappy records come in two shapes:
 *
 * xerial framing (the Java client; librdkafka reads it too) =>
 *   magic 8 bytes ("\x82SNAPPY\0")  version INT32  compatibleVersion INT32
 *   [chunkLength INT32  chunk (raw snappy, chunkLength bytes)] until the end
 *
 * raw snappy (librdkafka's producer) => one block
 *
 * Every raw block starts with its inflated length as an unsigned varint, so the bound is checked
 * on the declared lengths before anything is inflated, and the output is allocated once. Blocks
 * inflate through the snappy library (napi-rs), small ones in JS (see CODEC_SNAPPY_NATIVE_MIN_BYTES).
 */

const snappy = lazyRequire<typeof import('snappy')>('snappy', 'snappy');

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_BYTES = 16;

function isXerial(body: Uint8Array): boolean {
  return body.byteLength >= XERIAL_MAGIC.length && XERIAL_MAGIC.every((b, i) => body[i] === b);
}

/**
 * Where the raw blocks of a records section lie (the xerial chunks, or the whole section), and what
 * each declares it inflates to. Flat arrays, no object per block: a batch may hold many thousands.
 */
interface RawBlocks {
  bytes: Uint8Array;
  /** Per block: its first byte, the first byte after its length varint, its end, its declared length. */
  starts: number[];
  elementsAt: number[];
  ends: number[];
  inflatedBytes: number[];
}

function rawBlocks(body: Uint8Array): RawBlocks {
  const blocks: RawBlocks = { bytes: body, starts: [], elementsAt: [], ends: [], inflatedBytes: [] };
  // Parsed in place rather than through a Reader per chunk: a batch of 150,000 tiny chunks spent
  // most of its time allocating readers and views.
  const add = (start: number, end: number): void => {
    let inflated = 0;
    let p = start;
    for (let shift = 0; ; shift += 7) {
      if (p >= end || shift > 28) throw corrupt(`snappy block ${blocks.starts.length} at byte ${start} has no valid length`);
      const b = body[p++]!;
      inflated += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (inflated > 0xffffffff) throw corrupt(`snappy block ${blocks.starts.length} at byte ${start} declares ${inflated} bytes, past snappy's 32-bit lengths`);
    blocks.starts.push(start);
    blocks.elementsAt.push(p);
    blocks.ends.push(end);
    blocks.inflatedBytes.push(inflated);
  };
  if (!isXerial(body)) {
    add(0, body.byteLength);
    return blocks;
  }
  if (body.byteLength < XERIAL_HEADER_BYTES) throw corrupt(`xerial snappy header truncated: ${body.byteLength} of ${XERIAL_HEADER_BYTES} bytes`);
  // version and compatibleVersion: every writer sends 1 and 1, and readers (Java's included) ignore them.
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let pos = XERIAL_HEADER_BYTES; pos < body.byteLength; ) {
    const left = body.byteLength - pos - 4;
    const length = left < 0 ? -1 : view.getInt32(pos);
    if (length <= 0 || length > left) throw corrupt(`xerial snappy chunk of ${length} bytes at byte ${pos}, ${Math.max(left, 0)} left`);
    add(pos + 4, pos + 4 + length);
    pos += 4 + length;
  }
  return blocks;
}

export function inflateSnappy(body: Uint8Array, maxBytes: number): Uint8Array {
  const blocks = rawBlocks(body);
  const count = blocks.starts.length;
  const total = blocks.inflatedBytes.reduce((sum, n) => sum + n, 0);
  if (total > maxBytes) throw inflatesPastBound('snappy', total, maxBytes);
  if (count === 1 && total >= CODEC_SNAPPY_NATIVE_MIN_BYTES) return inflateNative(blocks, 0);

  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (blocks.inflatedBytes[i]! < CODEC_SNAPPY_NATIVE_MIN_BYTES) inflateSmall(blocks, i, out, at);
    else out.set(inflateNative(blocks, i), at);
    at += blocks.inflatedBytes[i]!;
  }
  return out;
}

function inflateNative(blocks: RawBlocks, index: number): Uint8Array {
  const declared = blocks.inflatedBytes[index]!;
  let part: Buffer;
  try {
    // copyOutputData: a V8-heap copy costs ~0.3 ms per 730 KiB; handing over Rust's buffer as an external one costs ~1.9 ms.
    part = snappy().uncompressSync(blocks.bytes.subarray(blocks.starts[index], blocks.ends[index]), { asBuffer: true, copyOutputData: true }) as Buffer;
  } catch (err) {
    throw corrupt(`snappy block ${index} does not inflate: ${(err as Error).message}`, err);
  }
  if (part.byteLength !== declared) throw corrupt(`snappy block ${index} inflated to ${part.byteLength} bytes, declared ${declared}`);
  return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
}

/*
 * Raw snappy elements, after the length varint; the low 2 bits of a tag byte say which =>
 *   00 literal: length - 1 in bits 7-2, or (60..63) in 1..4 little-endian bytes after the tag; then the bytes
 *   01 copy: length - 4 in bits 4-2, offset bits 10-8 in bits 7-5 and bits 7-0 in the next byte
 *   10 copy: length - 1 in bits 7-2, offset UINT16LE
 *   11 copy: length - 1 in bits 7-2, offset UINT32LE
 * A copy repeats `length` bytes from `offset` back in the output (overlapping is allowed).
 */

/** Literals up to this long are copied byte by byte: cheaper than making a view to copy from. */
const SHORT_LITERAL_BYTES = 32;

function badElement(index: number, what: string, at: number): KafkaError {
  return corrupt(`snappy block ${index} does not inflate: ${what} at byte ${at}`);
}

/** A small block inflated in JS straight into `out`: for a few bytes, a native call costs more than the work. */
function inflateSmall(blocks: RawBlocks, index: number, out: Uint8Array, at: number): void {
  const src = blocks.bytes;
  const srcEnd = blocks.ends[index]!;
  const end = at + blocks.inflatedBytes[index]!;
  let p = blocks.elementsAt[index]!;
  let o = at;
  while (p < srcEnd) {
    const tag = src[p++]!;
    let length: number;
    let offset: number;
    if ((tag & 3) === 0) {
      length = tag >>> 2;
      if (length >= 60) {
        const n = length - 59;
        if (p + n > srcEnd) throw badElement(index, 'a literal length past the end', p);
        length = 0;
        for (let i = n - 1; i >= 0; i--) length = length * 256 + src[p + i]!;
        p += n;
      }
      length += 1;
      if (p + length > srcEnd || o + length > end) throw badElement(index, `a ${length}-byte literal past the end`, p);
      if (length > SHORT_LITERAL_BYTES) out.set(src.subarray(p, p + length), o);
      else for (let i = 0; i < length; i++) out[o + i] = src[p + i]!;
      p += length;
      o += length;
      continue;
    }
    if ((tag & 3) === 1) {
      if (p + 1 > srcEnd) throw badElement(index, 'a copy past the end', p);
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[p++]!;
    } else {
      const n = (tag & 3) === 2 ? 2 : 4;
      if (p + n > srcEnd) throw badElement(index, 'a copy past the end', p);
      length = (tag >>> 2) + 1;
      offset = 0;
      for (let i = n - 1; i >= 0; i--) offset = offset * 256 + src[p + i]!;
      p += n;
    }
    if (offset === 0 || offset > o - at || o + length > end) throw badElement(index, `a ${length}-byte copy from ${offset} back`, p);
    for (let i = 0; i < length; i++, o++) out[o] = out[o - offset]!;
  }
  if (o !== end) throw corrupt(`snappy block ${index} inflated to ${o - at} bytes, declared ${blocks.inflatedBytes[index]}`);
}
