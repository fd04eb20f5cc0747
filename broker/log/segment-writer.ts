/**
 * Segment writing: lays out what a flush took from the buffer as one segment object (each
 * partition one contiguous chunk) with the manifest operations that name it, and PUTs it.
 * Segment buffers are reused from flush to flush, one per flush in flight at most: fresh pages
 * cost more than the copy.
 */
import type { ObjectStore } from '../storage/object-store.js';
import type { PendingWrites } from './append-buffer.js';
import type { Op } from './manifest.js';
import { Producers } from './producers.js';
import { encodeSegment, segmentKey, type Chunk, type ChunkInput } from './segment.js';

/** A chunk's batches, for the tail cache once the entry naming them is durable. */
export interface CacheableChunk {
  chunk: Chunk;
  batches: Uint8Array[];
}

/** What a flush writes, before its sequence number is known. */
export interface PreparedFlush {
  ops: Op[];
  segment?: { key: string; bytes: Uint8Array; arena: { buffer: Uint8Array } };
  cacheable: CacheableChunk[];
}

/** The segment PUT of a flush failed after its retries. */
export class SegmentPutError extends Error {
  constructor(key: string, cause: unknown) {
    super(`writing segment ${key} failed`, { cause });
  }
}

export class SegmentWriter {
  private counter = 0;
  private readonly freeArenas: { buffer: Uint8Array }[] = [];

  /**
   * @param store the bucket, with retries
   * @param epoch this broker's epoch (claimed before the first segment), part of every segment key
   * @param arenasMaxCount flushes in flight at most, so segment buffers at most
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly epoch: () => number,
    private readonly arenasMaxCount: number,
  ) {}

  /** A segment key never used before (this epoch is ours alone). */
  nextKey(): string {
    return segmentKey(this.epoch(), ++this.counter);
  }

  /** Groups the writes per partition, lays out their segment and the entry's operations (sequence number still open). */
  prepare(writes: PendingWrites): PreparedFlush {
    const ops: Op[] = [];
    let segment: PreparedFlush['segment'];
    const cacheable: CacheableChunk[] = [];
    if (writes.appends.length > 0) {
      // Group per partition (keeping offset order) so each partition is one contiguous range.
      const groups = new Map<string, { topicId: string; input: ChunkInput }>();
      for (const a of writes.appends) {
        const k = `${a.topicId}:${a.partition}`;
        let g = groups.get(k);
        if (!g) {
          g = { topicId: a.topicId, input: { topic: a.topic, partition: a.partition, first: a.first, last: a.last, maxTimestamp: a.maxTimestamp, batches: [] } };
          groups.set(k, g);
        }
        if (a.first !== (g.input.batches.length === 0 ? g.input.first : g.input.last + 1n)) {
          throw new Error(`log invariant: ${a.topic}-${a.partition} offsets not contiguous in flush (${a.first} after ${g.input.last})`);
        }
        // One view per batch: the segment covers each batch's header, the tail cache keeps them as they are.
        for (const v of a.batches) g.input.batches.push(v);
        g.input.last = a.last;
        if (a.maxTimestamp > g.input.maxTimestamp) g.input.maxTimestamp = a.maxTimestamp;
      }
      const key = this.nextKey();
      const list = [...groups.values()];
      const arena = this.freeArenas.pop() ?? { buffer: new Uint8Array(0) };
      let encoded;
      try {
        encoded = encodeSegment(key, this.epoch(), list.map((g) => g.input), arena);
      } catch (err) {
        this.freeArenas.push(arena);
        throw err;
      }
      segment = { key, bytes: encoded.bytes, arena };
      encoded.chunks.forEach((chunk, i) => {
        ops.push({ op: 'chunk', topicId: list[i]!.topicId, chunk });
        cacheable.push({ chunk, batches: list[i]!.input.batches });
      });
      for (const a of writes.appends) if (a.producer) ops.push(Producers.op(a.topic, a.partition, a.producer));
    }
    for (const m of writes.metas) ops.push(...m.ops);
    return { ops, segment, cacheable };
  }

  /** PUTs the segment, then hands its buffer back for the next flush. */
  async put(segment: NonNullable<PreparedFlush['segment']>): Promise<void> {
    try {
      await this.store.put(segment.key, segment.bytes);
    } catch (err) {
      throw new SegmentPutError(segment.key, err);
    } finally {
      if (this.freeArenas.length >= this.arenasMaxCount) throw new Error('log invariant: more segment arenas than flushes in flight');
      this.freeArenas.push(segment.arena);
    }
  }

  /** Writes a segment of one partition's batches (compaction), outside the flushes. */
  async writeOne(input: ChunkInput): Promise<{ key: string; chunk: Chunk }> {
    const key = this.nextKey();
    const encoded = encodeSegment(key, this.epoch(), [input]);
    await this.store.put(key, encoded.bytes);
    return { key, chunk: encoded.chunks[0]! };
  }
}
