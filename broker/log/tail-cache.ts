/**
 * The batches of recently flushed chunks, bounded in bytes, least recently used first out.
 * Tailing consumers read what was just written without a GET, and without parsing the segment
 * again: a chunk is kept as its list of whole batches.
 *
 * Chunks read from the bucket are not kept there: a consumer catching up on a long partition
 * would push every tailing consumer's chunks out (and keep each chunk it read alive past the
 * young generation, for a full GC to collect). They are kept in a region of their own
 * (LOG_READ_RESUME_CACHE_MAX_BYTES) until a read of their partition starts past them: the reads
 * after resume inside them without a second GET, whether the last read stopped inside a chunk or
 * its caller took only part of what it gave (a pipeline step, a view call).
 */
import { LOG_READ_RESUME_CACHE_MAX_BYTES } from '../constants.js';

/** Chunks' batches by segment and start byte, least recently used first out past `maxBytes`. */
class ChunkLru {
  private readonly entries = new Map<string, { batches: Uint8Array[]; bytes: number }>(); // in LRU order
  private readonly bySegment = new Map<string, Set<string>>();
  bytes = 0;

  constructor(private readonly maxBytes: number) {}

  add(segment: string, start: number, batches: Uint8Array[]): void {
    const id = `${segment}#${start}`;
    let size = 0;
    for (const b of batches) size += b.byteLength;
    if (size > this.maxBytes || this.entries.has(id)) return;
    this.entries.set(id, { batches, bytes: size });
    let ids = this.bySegment.get(segment);
    if (!ids) this.bySegment.set(segment, (ids = new Set()));
    ids.add(id);
    this.bytes += size;
    for (const old of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(old);
    }
  }

  get(segment: string, start: number): Uint8Array[] | undefined {
    const id = `${segment}#${start}`;
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.entries.set(id, e);
    return e.batches;
  }

  has(segment: string, start: number): boolean {
    return this.entries.has(`${segment}#${start}`);
  }

  drop(segment: string): void {
    for (const id of this.bySegment.get(segment) ?? []) this.remove(id);
    this.bySegment.delete(segment);
  }

  remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.bytes -= e.bytes;
    const segment = id.slice(0, id.lastIndexOf('#'));
    const ids = this.bySegment.get(segment);
    ids?.delete(id);
    if (ids?.size === 0) this.bySegment.delete(segment);
  }
}

export class TailCache {
  private readonly flushed: ChunkLru;
  private readonly resumed: ChunkLru;

  constructor(maxBytes: number, resumeMaxBytes = Math.min(maxBytes, LOG_READ_RESUME_CACHE_MAX_BYTES)) {
    this.flushed = new ChunkLru(maxBytes);
    this.resumed = new ChunkLru(resumeMaxBytes);
  }

  /** Bytes kept, both regions. */
  get size(): number {
    return this.flushed.bytes + this.resumed.bytes;
  }

  /** Keeps the batches of a flushed (or compacted) chunk of `segment` that starts at byte `start`. */
  add(segment: string, start: number, batches: Uint8Array[]): void {
    this.flushed.add(segment, start, batches);
  }

  /** Keeps a chunk read from the bucket for the reads after, until one starts past it (forgetResumed). */
  addResumed(segment: string, start: number, batches: Uint8Array[]): void {
    if (!this.flushed.has(segment, start)) this.resumed.add(segment, start, batches);
  }

  /** A read started past this chunk: kept for reads to resume in, it is let go. */
  forgetResumed(segment: string, start: number): void {
    this.resumed.remove(`${segment}#${start}`);
  }

  /** The batches of the chunk of `segment` starting at byte `start`, if kept. */
  get(segment: string, start: number): Uint8Array[] | undefined {
    return this.flushed.get(segment, start) ?? this.resumed.get(segment, start);
  }

  drop(segment: string): void {
    this.flushed.drop(segment);
    this.resumed.drop(segment);
  }
}
