/**
 * Partition reads: the chunks of a partition from a fetch offset on, as whole record batches,
 * from the tail cache or with one ranged GET per chunk; and ListOffsets by time. A chunk read from
 * the bucket is kept for the reads after (TailCache.addResumed) until one starts past it.
 */
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store.js';
import { isRetriable } from '../storage/retrying-store.js';
import { decodeRecords, parseBatchHeader, parseRecordSet } from '../protocol/record-batch.js';
import { LOG_READ_CHUNKS_IN_FLIGHT_MAX } from '../constants.js';
import { OffsetOutOfRangeError, StorageError } from './errors.js';
import type { Chunk } from './segment.js';
import type { LogState, PartitionState } from './state.js';
import type { TailCache } from './tail-cache.js';
import type { ReadResult } from './types.js';

export interface PartitionReaderDeps {
  /** The bucket, with retries. */
  store: ObjectStore;
  state: LogState;
  cache: TailCache;
  /** The partition, or UnknownTopicError / UnknownPartitionError. */
  partition: (topic: string, partition: number) => PartitionState;
}

export class PartitionReader {
  constructor(private readonly deps: PartitionReaderDeps) {}

  /** Whole batches from `fetchOffset` on: at least one, then up to `maxBytes`. */
  async read(topic: string, partition: number, fetchOffset: bigint, maxBytes: number): Promise<ReadResult> {
    try {
      return await this.readOnce(topic, partition, fetchOffset, maxBytes);
    } catch (err) {
      // Compaction or retention replaced the chunks we were reading: read again from the new state.
      if (err instanceof StorageError && err.cause instanceof ObjectNotFoundError) return this.readOnce(topic, partition, fetchOffset, maxBytes);
      throw err;
    }
  }

  private async readOnce(topic: string, partition: number, fetchOffset: bigint, maxBytes: number): Promise<ReadResult> {
    const p = this.deps.partition(topic, partition);
    const highWatermark = p.highWatermark;
    const logStartOffset = p.logStart;
    if (fetchOffset < logStartOffset || fetchOffset > highWatermark) {
      throw new OffsetOutOfRangeError(topic, partition, fetchOffset, logStartOffset, highWatermark);
    }
    if (fetchOffset === highWatermark) return { records: [], highWatermark, logStartOffset };
    const chunks = p.chunks;
    const records: Uint8Array[] = [];
    let total = 0;
    let i = firstChunkEndingAtOrAfter(chunks, fetchOffset);
    // A read of this partition from here on is past the chunks before: those kept for it go.
    for (let j = i - 1; j >= 0 && j >= i - LOG_READ_CHUNKS_IN_FLIGHT_MAX; j--) this.deps.cache.forgetResumed(chunks[j]!.segment, chunks[j]!.start);
    while (i < chunks.length) {
      // The next chunks that may be wanted (their sizes are in the manifest), fetched together:
      // sequential GETs of small chunks made a read wait for one round trip per chunk.
      const wave: Chunk[] = [];
      let planned = 0;
      while (i < chunks.length && wave.length < LOG_READ_CHUNKS_IN_FLIGHT_MAX && (wave.length === 0 || total + planned < maxBytes)) {
        const c = chunks[i++]!;
        wave.push(c);
        planned += c.end - c.start;
      }
      const fetched = await Promise.all(wave.map((c) => this.readChunk(c, topic, partition, fetchOffset, logStartOffset)));
      for (const batches of fetched) {
        for (const batch of batches) {
          const h = parseBatchHeader(batch);
          if (h.baseOffset + BigInt(h.lastOffsetDelta) < fetchOffset) continue;
          if (records.length > 0 && total + batch.byteLength > maxBytes) return { records, highWatermark, logStartOffset };
          records.push(batch);
          total += batch.byteLength;
        }
        if (total >= maxBytes) return { records, highWatermark, logStartOffset };
      }
    }
    return { records, highWatermark, logStartOffset };
  }

  /** chunkBatches for a read: a chunk gone under retention is OFFSET_OUT_OF_RANGE, a failed GET a StorageError. */
  private async readChunk(c: Chunk, topic: string, partition: number, fetchOffset: bigint, logStartOffset: bigint): Promise<Uint8Array[]> {
    try {
      return await this.chunkBatches(c);
    } catch (err) {
      // Retention may have deleted the object since we looked.
      if (err instanceof ObjectNotFoundError && this.deps.state.partition(topic, partition)?.logStart !== logStartOffset) {
        const now = this.deps.partition(topic, partition);
        throw new OffsetOutOfRangeError(topic, partition, fetchOffset, now.logStart, now.highWatermark);
      }
      throw err instanceof ObjectNotFoundError || isRetriable(err) ? new StorageError(`reading ${c.segment}`, { cause: err }) : err;
    }
  }

  /**
   * The whole batches of a chunk: from the tail cache, else one ranged GET, kept for the reads
   * after until one starts past the chunk (the caller may take only part of what a read gives).
   */
  async chunkBatches(c: Chunk): Promise<Uint8Array[]> {
    const hit = this.deps.cache.get(c.segment, c.start);
    if (hit) return hit;
    const bytes = await this.deps.store.get(c.segment, { start: c.start, end: c.end });
    if (bytes.byteLength !== c.end - c.start) throw new StorageError(`short read of ${c.segment}: ${bytes.byteLength} of ${c.end - c.start} bytes`);
    const batches = parseRecordSet(bytes).map((v) => v.bytes);
    this.deps.cache.addResumed(c.segment, c.start, batches);
    return batches;
  }

  /** ListOffsets max_timestamp (-3): the first record with the largest timestamp; null for an empty partition. */
  offsetOfMaxTimestamp(topic: string, partition: number): Promise<{ offset: bigint; timestampMs: bigint } | null> {
    return maxTimestampRecord(this.deps.partition(topic, partition), (c) => this.chunkBatches(c));
  }

  /** ListOffsets by time: the first record at or after `timestampMs` (record-exact where the batch can be decoded, else its batch). */
  async offsetForTimestamp(topic: string, partition: number, timestampMs: bigint): Promise<{ offset: bigint; timestampMs: bigint } | null> {
    const p = this.deps.partition(topic, partition);
    for (const c of p.chunks) {
      if (c.maxTimestamp < timestampMs) continue;
      for (const batch of await this.chunkBatches(c)) {
        const h = parseBatchHeader(batch);
        if (h.maxTimestamp < timestampMs) continue;
        if (h.baseOffset + BigInt(h.lastOffsetDelta) < p.logStart) continue;
        const offset = h.baseOffset < p.logStart ? p.logStart : h.baseOffset;
        return recordAtOrAfter(batch, offset, timestampMs) ?? { offset, timestampMs: h.maxTimestamp };
      }
    }
    return null;
  }
}

/** The first record (lowest offset) with the largest timestamp at or after the log start; null when there is none. */
export async function maxTimestampRecord(p: PartitionState, chunkBatches: (c: Chunk) => Promise<Uint8Array[]>): Promise<{ offset: bigint; timestampMs: bigint } | null> {
  let best: { offset: bigint; timestampMs: bigint } | null = null;
  // Most likely first: the chunk with the largest timestamp usually holds the answer, and a chunk
  // that cannot beat (or tie earlier than) the best so far is never read.
  const chunks = [...p.chunks].sort((a, b) => (a.maxTimestamp === b.maxTimestamp ? (a.first < b.first ? -1 : 1) : a.maxTimestamp > b.maxTimestamp ? -1 : 1));
  for (const c of chunks) {
    if (best !== null && (c.maxTimestamp < best.timestampMs || (c.maxTimestamp === best.timestampMs && c.first > best.offset))) continue;
    for (const batch of await chunkBatches(c)) {
      const h = parseBatchHeader(batch);
      if (h.baseOffset + BigInt(h.lastOffsetDelta) < p.logStart) continue;
      let records: { offset: bigint; timestampMs: bigint }[];
      try {
        records = decodeRecords(batch);
      } catch {
        // Undecodable here: answer at batch granularity, as offsetForTimestamp does.
        records = [{ offset: h.baseOffset < p.logStart ? p.logStart : h.baseOffset, timestampMs: h.maxTimestamp }];
      }
      for (const r of records) {
        if (r.offset < p.logStart) continue;
        if (best === null || r.timestampMs > best.timestampMs || (r.timestampMs === best.timestampMs && r.offset < best.offset)) best = { offset: r.offset, timestampMs: r.timestampMs };
      }
    }
  }
  return best;
}

/** Index of the first chunk whose last offset is >= offset (chunks sorted by offset). */
function firstChunkEndingAtOrAfter(chunks: Chunk[], offset: bigint): number {
  let lo = 0;
  let hi = chunks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunks[mid]!.last < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first record of `batch` at or after both `offset` and `timestampMs`, as Kafka's ListOffsets
 * answers. Every codec is decoded (broker/protocol/codecs); a batch that cannot be (corrupt, past
 * the decompressed bound, or its codec library missing) gives null and the caller answers at batch
 * granularity.
 */
function recordAtOrAfter(batch: Uint8Array, offset: bigint, timestampMs: bigint): { offset: bigint; timestampMs: bigint } | null {
  let records;
  try {
    records = decodeRecords(batch);
  } catch {
    return null;
  }
  for (const r of records) {
    if (r.offset >= offset && r.timestampMs >= timestampMs) return { offset: r.offset, timestampMs: r.timestampMs };
  }
  return null;
}
