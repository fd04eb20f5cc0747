/**
 * Maintenance: retention (by time and by bytes, whole chunks from the front), compaction (runs
 * of small chunks of one partition merged into one object, so a cold read needs fewer GETs) and
 * the collection of orphan segments that no entry names.
 */
import { LOG_COMPACT_MIN_CHUNKS_COUNT, LOG_COMPACT_SMALL_CHUNK_BYTES, LOG_COMPACT_TARGET_BYTES, LOG_FLUSH_MAX_OPS_COUNT } from '../constants.js';
import { batchLastOffset, parseBatchHeader } from '../protocol/record-batch.js';
import type { Op } from './manifest.js';
import { SEGMENT_PREFIX, parseSegmentKey, type Chunk } from './segment.js';
import type { SegmentWriter } from './segment-writer.js';
import type { LogState } from './state.js';
import type { TailCache } from './tail-cache.js';
import type { Bucket, ManifestAccess } from './part-deps.js';

export interface MaintenanceDeps extends Bucket, ManifestAccess {
  state: LogState;
  cache: TailCache;
  segments: SegmentWriter;
  now: () => number;
  /** This broker's epoch: segments of older epochs that nothing names are garbage. */
  epoch: () => number;
  isClosed: () => boolean;
  isFenced: () => boolean;
  chunkBatches: (c: Chunk) => Promise<Uint8Array[]>;
  /** Flushes, then writes a checkpoint. */
  writeCheckpoint: () => Promise<void>;
}

export class Maintenance {
  private running: Promise<void> | null = null;

  constructor(private readonly deps: MaintenanceDeps) {}

  /** Settles when the pass under way (if any) is done. */
  get pass(): Promise<void> | null {
    return this.running;
  }

  /** Retention, then compaction (and a checkpoint after it). Joins a pass under way. */
  run(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        if (this.deps.isClosed() || this.deps.isFenced()) return;
        await this.applyRetention();
        const compacted = await this.compact();
        if (compacted > 0) await this.deps.writeCheckpoint();
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Advances log start offsets by whole chunks past the topic's time and byte bounds. */
  async applyRetention(): Promise<void> {
    const now = BigInt(this.deps.now());
    const ops: Op[] = [];
    for (const t of this.deps.state.topics.values()) {
      const { retentionMs, retentionBytes } = t.info.config;
      if (retentionMs < 0 && retentionBytes < 0) continue;
      t.partitions.forEach((p, partition) => {
        let keepFrom = 0;
        if (retentionMs >= 0) {
          const cutoff = now - BigInt(retentionMs);
          while (keepFrom < p.chunks.length && p.chunks[keepFrom]!.maxTimestamp < cutoff) keepFrom++;
        }
        if (retentionBytes >= 0) {
          let bytes = 0;
          for (let i = keepFrom; i < p.chunks.length; i++) bytes += p.chunks[i]!.end - p.chunks[i]!.start;
          while (keepFrom < p.chunks.length && bytes > retentionBytes) {
            bytes -= p.chunks[keepFrom]!.end - p.chunks[keepFrom]!.start;
            keepFrom++;
          }
        }
        if (keepFrom === 0) return;
        const offset = keepFrom < p.chunks.length ? p.chunks[keepFrom]!.first : p.highWatermark;
        if (offset > p.logStart) ops.push({ op: 'logStart', topic: t.info.name, topicId: t.info.topicId, partition, offset });
      });
    }
    for (let i = 0; i < ops.length; i += LOG_FLUSH_MAX_OPS_COUNT) {
      this.deps.checkWritable();
      await this.deps.write(ops.slice(i, i + LOG_FLUSH_MAX_OPS_COUNT));
    }
  }

  /** Merges runs of small chunks of one partition into one per-partition segment. Returns the number of merges written. */
  async compact(): Promise<number> {
    const { state } = this.deps;
    let merges = 0;
    for (const t of [...state.topics.values()]) {
      for (let partition = 0; partition < t.partitions.length; partition++) {
        for (;;) {
          const p = state.partition(t.info.name, partition);
          if (!p || state.topics.get(t.info.name)?.info.topicId !== t.info.topicId) break;
          const run = findSmallRun(p.chunks);
          if (!run) break;
          // Batches wholly below the log start (DeleteRecords moves it inside a chunk) are gone: not copied.
          const parts: Uint8Array[] = [];
          for (const c of run) {
            for (const b of await this.deps.chunkBatches(c)) if (batchLastOffset(b) >= p.logStart) parts.push(b);
          }
          if (parts.length === 0) throw new Error(`log invariant: chunks of ${t.info.name}-${partition} wholly below log start ${p.logStart}`);
          const first = parseBatchHeader(parts[0]!).baseOffset;
          const last = run[run.length - 1]!.last;
          const maxTimestamp = parts.reduce((m, b) => {
            const ts = parseBatchHeader(b).maxTimestamp;
            return ts > m ? ts : m;
          }, -1n);
          this.deps.checkWritable();
          const { key, chunk } = await this.deps.segments.writeOne({ topic: t.info.name, partition, first, last, maxTimestamp, batches: parts });
          try {
            await this.deps.write([{ op: 'compact', topicId: t.info.topicId, chunk }]);
          } catch (err) {
            void this.deps.store.delete(key).catch(() => undefined);
            throw err;
          }
          this.deps.cache.add(key, chunk.start, parts);
          merges++;
        }
      }
    }
    return merges;
  }

  /** Deletes segment objects no manifest state references, written by older epochs (their writers are fenced). */
  async collectOrphans(): Promise<void> {
    const referenced = this.deps.state.referencedSegments();
    for (const { key } of await this.deps.retrying.list(SEGMENT_PREFIX)) {
      const id = parseSegmentKey(key);
      if (!id || id.epoch >= this.deps.epoch() || referenced.has(key)) continue;
      if (this.deps.isClosed()) return;
      await this.deps.retrying.delete(key);
    }
  }
}

/** The first run of at least LOG_COMPACT_MIN_CHUNKS_COUNT consecutive small chunks, capped at the target size. */
function findSmallRun(chunks: Chunk[]): Chunk[] | undefined {
  let run: Chunk[] = [];
  let bytes = 0;
  for (const c of chunks) {
    const size = c.end - c.start;
    const small = size < LOG_COMPACT_SMALL_CHUNK_BYTES;
    if (small && bytes + size <= LOG_COMPACT_TARGET_BYTES) {
      run.push(c);
      bytes += size;
      continue;
    }
    if (run.length >= LOG_COMPACT_MIN_CHUNKS_COUNT) return run;
    run = small ? [c] : [];
    bytes = small ? size : 0;
  }
  return run.length >= LOG_COMPACT_MIN_CHUNKS_COUNT ? run : undefined;
}
