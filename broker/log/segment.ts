/**
 * The segment object: what one flush writes. Batches are grouped per partition so each
 * partition's share is one contiguous byte range (a "chunk") that a reader fetches with a
 * single ranged GET. The index at the end makes a segment self-describing (debugging,
 * audits); readers use the copy of the index held in the manifest and never parse it.
 *
 *   header  : "SLSG" | version u16 | flags u16 | epoch u32 | chunk count u32     (16 bytes)
 *   data    : chunk bytes (whole RecordBatch v2, offsets absolute), back to back
 *   index   : per chunk: topic len u16 | topic utf8 | partition i32 | first i64 | last i64
 *             | start u32 | end u32 | maxTimestamp i64
 *   trailer : index start u32 | crc32c u32 | "SLSE" (12 bytes)
 *
 * Version 2 (written now): the trailer's CRC-32C covers the header, the first 21 bytes of every
 * batch in data order (base offset, length, leader epoch, magic, and the batch's own CRC-32C,
 * which covers the rest of the batch), then the index. So every byte is still covered, by one
 * CRC or the other, but a flush hashes a few hundred bytes instead of the whole segment again
 * (the producer's CRC was verified on produce; hashing 16 MiB twice was a tenth of the flush).
 * decodeSegment checks both levels. Version 1 (the CRC runs over every byte before the
 * trailer) still decodes.
 */
import { crc32c } from '@node-rs/crc32';
import { LOG_SEGMENT_MAX_BYTES } from '../constants.js';
import { ProtocolError } from '../protocol/errors.js';
import { Reader } from '../protocol/reader.js';
import { BATCH_CRC_COVERED_FROM, iterateBatches, verifyCrc } from '../protocol/record-batch.js';
import { Writer } from '../protocol/writer.js';

export const SEGMENT_VERSION = 2;
const SEGMENT_VERSION_WHOLE_CRC = 1;
/** magic u32, version u16, flags u16, epoch u32, chunk count u32. */
const HEADER_BYTES = 16;
/** index start u32, crc u32, magic u32. */
const TRAILER_BYTES = 12;
/** An index entry less its topic bytes: topic length u16, partition i32, first i64, last i64, start u32, end u32, maxTimestamp i64. */
const INDEX_ENTRY_FIXED_BYTES = 2 + 4 + 8 + 8 + 4 + 4 + 8;
const MAGIC_HEAD = 0x534c5347; // "SLSG"
const MAGIC_TAIL = 0x534c5345; // "SLSE"
/** The start of a RecordBatch its own CRC-32C does not cover: base offset, length, leader epoch, magic, the CRC itself. */
const BATCH_UNCOVERED_BYTES = BATCH_CRC_COVERED_FROM;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** One partition's contiguous share of a segment: offsets [first, last], bytes [start, end). */
export interface Chunk {
  segment: string;
  topic: string;
  partition: number;
  first: bigint;
  last: bigint;
  start: number;
  end: number;
  maxTimestamp: bigint;
}

export interface ChunkInput {
  topic: string;
  partition: number;
  first: bigint;
  last: bigint;
  maxTimestamp: bigint;
  /** Whole RecordBatch v2, one per element, CRC verified. */
  batches: Uint8Array[];
}

export class CorruptSegmentError extends Error {
  constructor(key: string, reason: string) {
    super(`corrupt segment ${key}: ${reason}`);
    this.name = 'CorruptSegmentError';
  }
}

/**
 * Lays out a segment. With `arena`, the bytes are written into it (grown when too small) and
 * returned as a view of it: reusing one buffer per flush avoids faulting in fresh pages for
 * every segment, which costs more than the copy itself. The caller must not reuse the arena
 * while the returned bytes are still being written.
 */
export function encodeSegment(key: string, epoch: number, inputs: ChunkInput[], arena?: { buffer: Uint8Array }): { bytes: Uint8Array; chunks: Chunk[] } {
  const topics = inputs.map((c) => encoder.encode(c.topic));
  let dataBytes = 0;
  for (const c of inputs) for (const b of c.batches) dataBytes += b.byteLength;
  let indexBytes = 0;
  for (const t of topics) indexBytes += INDEX_ENTRY_FIXED_BYTES + t.byteLength;
  const total = HEADER_BYTES + dataBytes + indexBytes + TRAILER_BYTES;
  if (total > LOG_SEGMENT_MAX_BYTES) throw new RangeError(`segment of ${total} bytes exceeds LOG_SEGMENT_MAX_BYTES`);
  let bytes: Uint8Array;
  if (arena) {
    if (arena.buffer.byteLength < total) arena.buffer = new Uint8Array(Math.min(LOG_SEGMENT_MAX_BYTES, Math.ceil(total * 1.25)));
    bytes = arena.buffer.subarray(0, total);
  } else {
    bytes = new Uint8Array(total);
  }
  const w = new Writer(bytes);
  w.uint32(MAGIC_HEAD).uint16(SEGMENT_VERSION).uint16(0).uint32(epoch >>> 0).uint32(inputs.length);
  let crc = crc32c(bytes.subarray(0, HEADER_BYTES));
  const chunks: Chunk[] = [];
  for (const c of inputs) {
    const start = w.length;
    for (const b of c.batches) {
      if (b.byteLength < BATCH_UNCOVERED_BYTES) throw new RangeError(`a ${b.byteLength}-byte batch is no RecordBatch`);
      w.raw(b);
      crc = crc32c(b.subarray(0, BATCH_UNCOVERED_BYTES), crc);
    }
    chunks.push({ segment: key, topic: c.topic, partition: c.partition, first: c.first, last: c.last, start, end: w.length, maxTimestamp: c.maxTimestamp });
  }
  const indexStart = w.length;
  chunks.forEach((c, i) => {
    const t = topics[i]!;
    w.uint16(t.byteLength).raw(t).int32(c.partition).int64(c.first).int64(c.last).uint32(c.start).uint32(c.end).int64(c.maxTimestamp);
  });
  crc = crc32c(bytes.subarray(indexStart, w.length), crc);
  w.uint32(indexStart).uint32(crc).uint32(MAGIC_TAIL);
  if (w.length !== total) throw new Error(`segment invariant: wrote ${w.length} bytes, sized ${total}`);
  return { bytes, chunks };
}

/** Reads and verifies a whole segment's index. Never reads past `bytes`, whatever they hold. */
export function decodeSegment(key: string, bytes: Uint8Array): { epoch: number; chunks: Chunk[] } {
  if (bytes.byteLength < HEADER_BYTES + TRAILER_BYTES) throw new CorruptSegmentError(key, `only ${bytes.byteLength} bytes`);
  const trailer = bytes.byteLength - TRAILER_BYTES;
  const head = new Reader(bytes, 0, HEADER_BYTES);
  const magicHead = head.uint32();
  const version = head.uint16();
  head.uint16(); // flags
  const epoch = head.uint32();
  const count = head.uint32();
  const tail = new Reader(bytes, trailer);
  const indexStart = tail.uint32();
  const storedCrc = tail.uint32();
  if (magicHead !== MAGIC_HEAD || tail.uint32() !== MAGIC_TAIL) throw new CorruptSegmentError(key, 'bad magic');
  if (version !== SEGMENT_VERSION && version !== SEGMENT_VERSION_WHOLE_CRC) throw new CorruptSegmentError(key, `version ${version}`);
  if (indexStart < HEADER_BYTES || indexStart > trailer) throw new CorruptSegmentError(key, `index start ${indexStart}`);
  const crc = version === SEGMENT_VERSION_WHOLE_CRC ? crc32c(bytes.subarray(0, trailer)) : coveringCrc(key, bytes, indexStart, trailer);
  if (storedCrc !== crc) throw new CorruptSegmentError(key, 'crc mismatch');
  // Bound the count by the smallest entry before allocating for it.
  if (count > (trailer - indexStart) / INDEX_ENTRY_FIXED_BYTES) throw new CorruptSegmentError(key, `chunk count ${count}`);
  const chunks: Chunk[] = [];
  const r = new Reader(bytes, indexStart, trailer);
  try {
    for (let i = 0; i < count; i++) {
      const topicBytes = r.raw(r.uint16());
      let topic: string;
      try {
        topic = decoder.decode(topicBytes);
      } catch {
        throw new CorruptSegmentError(key, 'topic is not UTF-8');
      }
      const chunk: Chunk = { segment: key, topic, partition: r.int32(), first: r.int64(), last: r.int64(), start: r.uint32(), end: r.uint32(), maxTimestamp: r.int64() };
      if (chunk.start < HEADER_BYTES || chunk.end < chunk.start || chunk.end > indexStart) throw new CorruptSegmentError(key, `chunk range ${chunk.start}..${chunk.end}`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof ProtocolError) throw new CorruptSegmentError(key, 'index truncated');
    throw err;
  }
  if (r.remaining !== 0) throw new CorruptSegmentError(key, 'index length mismatch');
  return { epoch, chunks };
}

/**
 * The version 2 CRC of a segment whose data runs from the header to `indexStart`, checking
 * each batch's own CRC on the way. Chunks are back to back, so the data is one run of batches.
 */
function coveringCrc(key: string, bytes: Uint8Array, indexStart: number, trailer: number): number {
  let crc = crc32c(bytes.subarray(0, HEADER_BYTES));
  try {
    for (const b of iterateBatches(bytes.subarray(HEADER_BYTES, indexStart))) {
      if (!verifyCrc(b.bytes)) throw new CorruptSegmentError(key, `batch at byte ${HEADER_BYTES + b.position}: crc mismatch`);
      crc = crc32c(b.bytes.subarray(0, BATCH_UNCOVERED_BYTES), crc);
    }
  } catch (err) {
    if (err instanceof CorruptSegmentError) throw err;
    throw new CorruptSegmentError(key, `data is not a run of record batches: ${err instanceof Error ? err.message : String(err)}`);
  }
  return crc32c(bytes.subarray(indexStart, trailer), crc);
}

/** Where segment objects live in the bucket. */
export const SEGMENT_PREFIX = 'segments/';

/** Segment object key: epoch and a per-broker counter, zero-padded so keys sort by age. */
export function segmentKey(epoch: number, counter: number): string {
  return `${SEGMENT_PREFIX}${String(epoch).padStart(10, '0')}-${String(counter).padStart(12, '0')}.seg`;
}

/** The (epoch, counter) of a segment key, or null for any other key. */
export function parseSegmentKey(key: string): { epoch: number; counter: number } | null {
  const m = /^segments\/(\d{10})-(\d{12})\.seg$/.exec(key);
  return m ? { epoch: Number(m[1]), counter: Number(m[2]) } : null;
}
