/**
 * The flushes in flight. A flush takes one flush worth of the append buffer, writes it as ONE
 * segment object, then ONE manifest entry (putIfAbsent under the next sequence number) naming
 * the segment's per-partition byte ranges and any metadata operations. Only after the entry is
 * durable do high watermarks move and the waiters resolve. Up to `maxInFlight` flushes run at
 * once (one on a local disk, two for S3): the next segment is written while the entry before it
 * commits, but entries are written, and waiters settle, strictly in order, and a failed flush
 * fails every flush behind it and the buffer (offsets stay dense).
 */
import type { Logger } from 'pino';
import { LOG_ACK_CHUNK_COUNT } from '../constants.js';
import { defer, noPendingWrites, type AppendBuffer, type PendingAppend, type PendingWrites } from './append-buffer.js';
import type { Checkpoints } from './checkpoints.js';
import type { DataWaiters } from './data-waiters.js';
import { FencedError, StorageError } from './errors.js';
import { encodeEntry, type ManifestEntry, type Op } from './manifest.js';
import { EntryInDoubtError, type ManifestWriter } from './manifest-writer.js';
import { applyEntry } from './recovery.js';
import { SegmentPutError, type CacheableChunk, type PreparedFlush, type SegmentWriter } from './segment-writer.js';
import type { LogState } from './state.js';
import type { TailCache } from './tail-cache.js';
import type { AppendResult } from './types.js';
import type { Bucket } from './part-deps.js';

/** A flush in flight. */
interface FlushJob {
  writes: PendingWrites;
  /** Set when a flush ahead of it failed: its waiters were rejected with it, and it writes no entry. */
  rejected: boolean;
  /** Settles (never rejects) once the flush ended and its waiters are settled, after the flush ahead of it. */
  done: Promise<void>;
  /** Left `inFlight`: its entry is written (or it failed); its acknowledgements may still be going out. */
  ended: boolean;
}

export interface FlushesDeps extends Bucket {
  state: LogState;
  logger: Logger;
  buffer: AppendBuffer;
  segments: SegmentWriter;
  manifest: ManifestWriter;
  cache: TailCache;
  checkpoints: Checkpoints;
  dataWaiters: DataWaiters;
  /** Flushes in flight at most. */
  maxInFlight: number;
  /** An append's entry is durable: settles its offsets and producer state, and gives its result. */
  landed: (a: PendingAppend) => AppendResult;
  /** Every append not yet durable failed: forget the offsets and sequences they took. */
  forgetPending: () => void;
}

export class Flushes {
  /** Flushes in flight, oldest first; each commits its entry only after the one before it ended. */
  private readonly inFlight: FlushJob[] = [];
  /** The newest flush started, until it settled all its waiters: the next one acknowledges only after it. */
  private lastFlushDone: Promise<void> | undefined;
  private timer: NodeJS.Timeout | null = null;
  /** While > 0, flush() is waiting: flush without waiting for the time bound. */
  private forcing = 0;

  constructor(private readonly deps: FlushesDeps) {}

  get writing(): boolean {
    return this.inFlight.length > 0;
  }

  /** Buffers metadata operations for the next entry; resolves once it is durable. */
  write(ops: Op[]): Promise<void> {
    const d = defer<void>();
    this.deps.buffer.addOps({ ops, resolve: d.resolve, reject: d.reject });
    this.schedule();
    return d.promise;
  }

  /** Whether a flush may start now: the buffer is due and fewer than the bound are in flight. */
  private canStart(): boolean {
    const { buffer, manifest } = this.deps;
    return !buffer.isEmpty && !manifest.fenced && this.inFlight.length < this.deps.maxInFlight && buffer.isDue(this.forcing > 0);
  }

  /** Starts a flush if one is due, else arms the timer for the buffer's time bound. */
  schedule(): void {
    if (this.deps.buffer.isEmpty) return;
    if (this.canStart()) {
      this.kick();
    } else if (this.inFlight.length < this.deps.maxInFlight && !this.timer) {
      // (At the bound, the end of the oldest flush looks again.)
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, Math.ceil(this.deps.buffer.msUntilDue()));
    }
  }

  /** Starts as many flushes as may start now. */
  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.canStart()) {
      const writes = this.deps.buffer.take();
      this.deps.buffer.wakeSpaceWaiters();
      const prev = this.lastFlushDone;
      const job: FlushJob = { writes, rejected: false, done: Promise.resolve(), ended: false };
      job.done = this.flushOne(job, prev).then(() => this.endFlush(job));
      this.lastFlushDone = job.done;
      this.inFlight.push(job);
    }
    // A timer can fire a hair before the time bound by performance.now(): arm it again.
    if (!this.deps.manifest.fenced) this.schedule();
  }

  /** A flush leaves the flushes in flight (once): whatever arrived meanwhile is flushed now if due, else the timer is armed. */
  private endFlush(job: FlushJob): void {
    if (job.ended) return;
    job.ended = true;
    // Each flush ends after the one before it (it waits for it), so they leave in order.
    if (this.inFlight[0] !== job) throw new Error('log invariant: flushes ended out of order');
    this.inFlight.shift();
    if (!this.deps.manifest.fenced) this.schedule();
  }

  /**
   * One flush: lay out and PUT the segment (beside the flush ahead, if any), then, once the
   * flush ahead has ended, write the manifest entry under the next sequence number. Never
   * throws; whatever goes wrong, every waiter of the flush is settled, and never before the
   * flush ahead has ended (failing rejects everything behind, and forgets offsets that the
   * flush ahead may still make durable).
   */
  private async flushOne(job: FlushJob, prev: Promise<void> | undefined): Promise<void> {
    let prepared: PreparedFlush | undefined;
    let failure: unknown;
    try {
      prepared = this.deps.segments.prepare(job.writes);
      if (prepared.segment) await this.deps.segments.put(prepared.segment);
    } catch (err) {
      failure = err;
    }
    await prev;
    const segmentKey = prepared?.segment?.key;
    if (job.rejected) {
      // A flush ahead failed: our waiters were rejected with it and no entry may name the segment.
      if (segmentKey) this.deleteUnnamed(segmentKey);
      return;
    }
    try {
      if (failure !== undefined) throw failure;
      await this.writeEntry(job, prepared!);
    } catch (err) {
      const unexpected = !(err instanceof SegmentPutError);
      if (unexpected) this.deps.logger.error({ err }, 'flush failed unexpectedly; appends rejected');
      else this.deps.logger.warn({ err: err.cause }, 'segment write failed; appends rejected');
      this.failAll(job.writes, new StorageError(unexpected ? 'flush failed' : `writing segment ${segmentKey}`, { cause: unexpected ? err : err.cause }));
      if (segmentKey) this.deleteUnnamed(segmentKey);
    }
  }

  /** No manifest entry names the segment, so nobody needs it. */
  private deleteUnnamed(key: string): void {
    void this.deps.store.delete(key).catch(() => undefined);
  }

  /** Writes the entry of a flush whose segment is durable, under the next sequence number; commits or fails the flush. */
  private async writeEntry(job: FlushJob, prepared: PreparedFlush): Promise<void> {
    const { manifest, state, logger } = this.deps;
    const seq = state.seq + 1;
    const { ops, segment, cacheable } = prepared;
    const entry = manifest.entry(seq, ops);
    const entryBytes = encodeEntry(entry);
    try {
      const outcome = await manifest.write(seq, entryBytes);
      if (outcome !== 'written') {
        const other = outcome.conflict;
        if (other.epoch > manifest.epoch) {
          manifest.fence(other.epoch);
          throw new FencedError(manifest.epoch, other.epoch);
        }
        throw new Error(`manifest invariant: entry ${seq} was written by epoch ${other.epoch} (we are ${manifest.epoch})`);
      }
    } catch (err) {
      if (err instanceof EntryInDoubtError) {
        manifest.markInDoubt({ seq, bytes: entryBytes, ops, segment: segment?.key });
        this.failAll(job.writes, new StorageError(`manifest entry ${seq} may not have been written`, { cause: err.cause }));
        logger.warn({ seq, err: err.cause }, 'manifest entry in doubt');
        return;
      }
      const failure = err instanceof FencedError ? err : new StorageError(`flush of manifest entry ${seq} failed`, { cause: err });
      this.failAll(job.writes, failure);
      if (segment && !(err instanceof FencedError)) this.deleteUnnamed(segment.key);
      logger.warn({ seq, err }, 'flush failed; appends rejected');
      return;
    }
    await this.commit(entry, cacheable, job.writes, job);
  }

  /**
   * Makes a durable entry visible: state, caches, then waiters. With the flush's `job`, the
   * flush leaves the flushes in flight first, so the next flush's segment is on its way before
   * a thousand producers' next appends take the event loop.
   */
  commit(entry: ManifestEntry, cacheable: CacheableChunk[], writes: PendingWrites, job?: FlushJob): Promise<void> {
    const { state, cache, logger } = this.deps;
    const dropsRefs = entry.ops.some((op) => op.op === 'deleteTopic' || op.op === 'logStart' || op.op === 'compact');
    const before = dropsRefs ? state.referencedSegments() : undefined;
    applyEntry(state, entry);
    for (const { chunk, batches } of cacheable) cache.add(chunk.segment, chunk.start, batches);
    const results: AppendResult[] = [];
    for (const a of writes.appends) results.push(this.deps.landed(a));
    if (before) {
      const after = state.referencedSegments();
      for (const key of before) {
        if (after.has(key)) continue;
        cache.drop(key);
        void this.deps.retrying.delete(key).catch((err) => logger.warn({ err, key }, 'segment delete failed; the next start collects it'));
      }
    }
    this.deps.dataWaiters.notify();
    this.deps.checkpoints.afterEntry(entry.seq);
    if (job) this.endFlush(job);
    return acknowledge(writes, results);
  }

  /**
   * Rejects failed writes and everything behind them (flushes in flight after them, then the
   * buffer), and forgets the offsets they took. Writes not in flight (fencing, close) reject
   * every flush in flight.
   */
  failAll(writes: PendingWrites, err: Error): void {
    const rest = this.deps.buffer.takeAll();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const behind = this.inFlight.slice(this.inFlight.findIndex((f) => f.writes === writes) + 1);
    for (const f of behind) f.rejected = true;
    for (const b of [writes, ...behind.map((f) => f.writes), rest]) {
      for (const a of b.appends) a.reject(err);
      for (const m of b.metas) m.reject(err);
    }
    // Every append that took an offset after the durable high watermark was just rejected.
    this.deps.forgetPending();
    this.deps.buffer.wakeSpaceWaiters();
  }

  /** Fails everything pending and in flight with `err` (fenced, closing). */
  failEverything(err: Error): void {
    this.failAll(noPendingWrites(), err);
  }

  /** Resolves once everything buffered before the call is durable (or rejected). */
  async flush(): Promise<void> {
    this.forcing++;
    try {
      for (;;) {
        const settling = this.deps.manifest.settling;
        if (settling) await settling;
        const last = this.inFlight.at(-1);
        if (last) {
          await last.done;
          continue;
        }
        if (this.deps.buffer.isEmpty) {
          await this.lastFlushDone; // its last acknowledgements
          return;
        }
        this.kick();
        if (this.inFlight.length === 0) return; // fenced: nothing can be written any more
      }
    } finally {
      this.forcing--;
    }
  }
}

/**
 * Resolves a committed flush's waiters in order, LOG_ACK_CHUNK_COUNT per event-loop turn:
 * between chunks the loop runs I/O callbacks, so the next flush's write and fsync proceed
 * while the producers' next appends run.
 */
async function acknowledge(writes: PendingWrites, results: AppendResult[]): Promise<void> {
  for (const m of writes.metas) m.resolve();
  for (let i = 0; i < writes.appends.length; i++) {
    if (i > 0 && i % LOG_ACK_CHUNK_COUNT === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    writes.appends[i]!.resolve(results[i]!);
  }
}
