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
import { BATCH_CRC_COVERED_FROM, iterateBatches, verifyCrc } from '../protocol/record-batch.js';

export const SEGMENT_VERSION = 2;
const SEGMENT_VERSION_WHOLE_CRC = 1;
const HEADER_BYTES = 16;
const TRAILER_BYTES = 12;
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
  for (const t of topics) indexBytes += 2 + t.byteLength + 4 + 8 + 8 + 4 + 4 + 8;
  const total = HEADER_BYTES + dataBytes + indexBytes + TRAILER_BYTES;
  if (total > LOG_SEGMENT_MAX_BYTES) throw new RangeError(`segment of ${total} bytes exceeds LOG_SEGMENT_MAX_BYTES`);
  let bytes: Uint8Array;
  if (arena) {
    if (arena.buffer.byteLength < total) arena.buffer = new Uint8Array(Math.min(LOG_SEGMENT_MAX_BYTES, Math.ceil(total * 1.25)));
    bytes = arena.buffer.subarray(0, total);
  } else {
    bytes = new Uint8Array(total);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setUint32(0, MAGIC_HEAD);
  dv.setUint16(4, SEGMENT_VERSION);
  dv.setUint16(6, 0);
  dv.setUint32(8, epoch >>> 0);
  dv.setUint32(12, inputs.length);
  let crc = crc32c(bytes.subarray(0, HEADER_BYTES));
  let pos = HEADER_BYTES;
  const chunks: Chunk[] = [];
  for (const c of inputs) {
    const start = pos;
    for (const b of c.batches) {
      if (b.byteLength < BATCH_UNCOVERED_BYTES) throw new RangeError(`a ${b.byteLength}-byte batch is no RecordBatch`);
      bytes.set(b, pos);
      crc = crc32c(b.subarray(0, BATCH_UNCOVERED_BYTES), crc);
      pos += b.byteLength;
    }
    chunks.push({ segment: key, topic: c.topic, partition: c.partition, first: c.first, last: c.last, start, end: pos, maxTimestamp: c.maxTimestamp });
  }
  const indexStart = pos;
  chunks.forEach((c, i) => {
    const t = topics[i]!;
    dv.setUint16(pos, t.byteLength);
    bytes.set(t, pos + 2);
    pos += 2 + t.byteLength;
    dv.setInt32(pos, c.partition);
    dv.setBigInt64(pos + 4, c.first);
    dv.setBigInt64(pos + 12, c.last);
    dv.setUint32(pos + 20, c.start);
    dv.setUint32(pos + 24, c.end);
    dv.setBigInt64(pos + 28, c.maxTimestamp);
    pos += 36;
  });
  dv.setUint32(pos, indexStart);
  dv.setUint32(pos + 4, crc32c(bytes.subarray(indexStart, pos), crc));
  dv.setUint32(pos + 8, MAGIC_TAIL);
  return { bytes, chunks };
}

/** Reads and verifies a whole segment's index. Never reads past `bytes`, whatever they hold. */
export function decodeSegment(key: string, bytes: Uint8Array): { epoch: number; chunks: Chunk[] } {
  if (bytes.byteLength < HEADER_BYTES + TRAILER_BYTES) throw new CorruptSegmentError(key, `only ${bytes.byteLength} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trailer = bytes.byteLength - TRAILER_BYTES;
  if (dv.getUint32(0) !== MAGIC_HEAD || dv.getUint32(trailer + 8) !== MAGIC_TAIL) throw new CorruptSegmentError(key, 'bad magic');
  const version = dv.getUint16(4);
  if (version !== SEGMENT_VERSION && version !== SEGMENT_VERSION_WHOLE_CRC) throw new CorruptSegmentError(key, `version ${version}`);
  const indexStart = dv.getUint32(trailer);
  if (indexStart < HEADER_BYTES || indexStart > trailer) throw new CorruptSegmentError(key, `index start ${indexStart}`);
  const crc = version === SEGMENT_VERSION_WHOLE_CRC ? crc32c(bytes.subarray(0, trailer)) : coveringCrc(key, bytes, indexStart, trailer);
  if (dv.getUint32(trailer + 4) !== crc) throw new CorruptSegmentError(key, 'crc mismatch');
  const epoch = dv.getUint32(8);
  const count = dv.getUint32(12);
  // Each index entry takes at least 38 bytes: bound the count before allocating for it.
  if (count > (trailer - indexStart) / 38) throw new CorruptSegmentError(key, `chunk count ${count}`);
  const chunks: Chunk[] = [];
  let pos = indexStart;
  for (let i = 0; i < count; i++) {
    if (pos + 2 > trailer) throw new CorruptSegmentError(key, 'index truncated');
    const len = dv.getUint16(pos);
    if (pos + 2 + len + 36 > trailer) throw new CorruptSegmentError(key, 'index truncated');
    let topic: string;
    try {
      topic = decoder.decode(bytes.subarray(pos + 2, pos + 2 + len));
    } catch {
      throw new CorruptSegmentError(key, 'topic is not UTF-8');
    }
    pos += 2 + len;
    const chunk: Chunk = {
      segment: key,
      topic,
      partition: dv.getInt32(pos),
      first: dv.getBigInt64(pos + 4),
      last: dv.getBigInt64(pos + 12),
      start: dv.getUint32(pos + 20),
      end: dv.getUint32(pos + 24),
      maxTimestamp: dv.getBigInt64(pos + 28),
    };
    pos += 36;
    if (chunk.start < HEADER_BYTES || chunk.end < chunk.start || chunk.end > indexStart) throw new CorruptSegmentError(key, `chunk range ${chunk.start}..${chunk.end}`);
    chunks.push(chunk);
  }
  if (pos !== trailer) throw new CorruptSegmentError(key, 'index length mismatch');
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
