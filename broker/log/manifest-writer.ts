/**
 * The manifest writer: claims this broker's epoch, writes entries with putIfAbsent and reads a
 * doubtful write back, settles an entry in doubt, and fences this broker when a newer one has
 * written the next sequence number. Only one broker's entries can follow each other, so a
 * broker that loses the sequence number to a newer epoch stops writing.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { LOG_EPOCH_CLAIM_ATTEMPTS_MAX_COUNT, STORE_RETRY_MAX_COUNT } from '../constants.js';
import { ObjectNotFoundError } from '../storage/object-store.js';
import { Backoff, isRetriable } from '../storage/retrying-store.js';
import { FencedError, LogClosedError, StorageError } from './errors.js';
import { MANIFEST_VERSION, decodeEntry, encodeEntry, entryKey, type ManifestEntry, type Op } from './manifest.js';
import { applyEntry, replayEntries } from './recovery.js';
import type { LogState } from './state.js';
import type { Bucket } from './part-deps.js';

/** An entry we could not confirm or deny after all retries: nothing may be written until we know. */
export class EntryInDoubtError extends Error {
  constructor(readonly seq: number, options?: { cause?: unknown }) {
    super(`manifest entry ${seq}: could not tell whether it was written`, options);
  }
}

export type WriteOutcome = 'written' | { conflict: ManifestEntry };

/** An entry in doubt, with what settling it needs. */
export interface EntryInDoubt {
  seq: number;
  bytes: Uint8Array;
  ops: Op[];
  /** The segment it names, deleted when the entry turns out absent. */
  segment?: string;
}

export interface ManifestWriterDeps extends Bucket {
  state: LogState;
  logger: Logger;
  brokerId: number;
  isClosed: () => boolean;
  /** Whether a flush is in flight (an idle broker looks for being fenced, a busy one learns it by writing). */
  isWriting: () => boolean;
  /** Called once fenced: everything pending must fail with `err`. */
  onFenced: (err: FencedError) => void;
  /** An entry in doubt turned out written by us: it must be applied and made visible. */
  onDoubtLanded: (entry: ManifestEntry) => void;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ManifestWriter {
  /** Names this process in its entries: after a lost reply our own bytes prove the write. */
  readonly writer = randomUUID();
  private epochClaimed = 0;
  private fencedBy = 0;
  private inDoubt: EntryInDoubt | null = null;
  private resolvingDoubt: Promise<void> | null = null;

  constructor(private readonly deps: ManifestWriterDeps) {}

  get epoch(): number {
    return this.epochClaimed;
  }

  get fenced(): boolean {
    return this.fencedBy > 0;
  }

  get hasEntryInDoubt(): boolean {
    return this.inDoubt !== null;
  }

  /** Settles once the entry in doubt (if any) is settled. */
  get settling(): Promise<void> | null {
    return this.resolvingDoubt;
  }

  /** Throws unless the log may write now: not fenced, not closed, no entry in doubt. */
  checkWritable(): void {
    if (this.fenced) throw new FencedError(this.epochClaimed, this.fencedBy);
    if (this.deps.isClosed()) throw new LogClosedError();
    if (this.inDoubt) {
      void this.resolveDoubt();
      throw new StorageError(`manifest entry ${this.inDoubt.seq} is in doubt; retry shortly`);
    }
  }

  /** The entry of `ops` under sequence number `seq`, in this broker's epoch. */
  entry(seq: number, ops: Op[]): ManifestEntry {
    return { v: MANIFEST_VERSION, seq, epoch: this.epochClaimed, writer: this.writer, ops };
  }

  /** Claims epoch = max + 1 with an `epoch` entry, fencing every older broker. */
  async claimEpoch(): Promise<void> {
    const { state } = this.deps;
    for (let attempt = 0; attempt < LOG_EPOCH_CLAIM_ATTEMPTS_MAX_COUNT; attempt++) {
      const epoch = state.maxEpoch + 1;
      const entry: ManifestEntry = { v: MANIFEST_VERSION, seq: state.seq + 1, epoch, writer: this.writer, ops: [{ op: 'epoch', epoch, brokerId: this.deps.brokerId }] };
      const outcome = await this.write(entry.seq, encodeEntry(entry));
      if (outcome === 'written') {
        applyEntry(state, entry);
        this.epochClaimed = epoch;
        this.deps.logger.info({ epoch, seq: entry.seq }, 'claimed broker epoch');
        return;
      }
      // Another broker wrote that sequence number: catch up and try the next one.
      await replayEntries(this.deps.retrying, state, entryKey(state.seq));
    }
    throw new StorageError('could not claim a broker epoch: the manifest keeps moving');
  }

  /**
   * putIfAbsent with bounded retries. A failed call may still have written (lost reply), so
   * every doubt is settled by reading the key back: our exact bytes mean success.
   */
  async write(seq: number, bytes: Uint8Array): Promise<WriteOutcome> {
    const key = entryKey(seq);
    const backoff = new Backoff();
    let lastErr: unknown;
    let knownAbsent = false;
    for (let attempt = 1; attempt <= STORE_RETRY_MAX_COUNT; attempt++) {
      if (attempt > 1) await backoff.wait();
      let written: boolean | undefined;
      try {
        written = await this.deps.store.putIfAbsent(key, bytes);
      } catch (err) {
        lastErr = err;
        knownAbsent = false;
        if (!isRetriable(err)) throw err;
      }
      if (written === true) return 'written';
      let existing: Uint8Array | null;
      try {
        existing = await this.deps.retrying.get(key).catch((err: unknown) => {
          if (err instanceof ObjectNotFoundError) return null;
          throw err;
        });
      } catch (err) {
        lastErr = err;
        continue;
      }
      if (existing === null) {
        knownAbsent = true;
        continue;
      }
      if (bytesEqual(existing, bytes)) return 'written';
      return { conflict: decodeEntry(key, existing) };
    }
    if (knownAbsent) throw new StorageError(`manifest entry ${seq} not written`, { cause: lastErr });
    throw new EntryInDoubtError(seq, { cause: lastErr });
  }

  /** Records an entry whose write could be neither confirmed nor denied; writes wait until it is settled. */
  markInDoubt(entry: EntryInDoubt): void {
    this.inDoubt = entry;
  }

  /** Settles an entry in doubt by reading it: ours → it is durable after all; absent → forget it. */
  resolveDoubt(): Promise<void> {
    if (this.resolvingDoubt) return this.resolvingDoubt;
    this.resolvingDoubt = (async () => {
      try {
        const backoff = new Backoff();
        while (this.inDoubt && !this.deps.isClosed()) {
          const d = this.inDoubt;
          try {
            const existing = await this.deps.store.get(entryKey(d.seq)).catch((err: unknown) => {
              if (err instanceof ObjectNotFoundError) return null;
              throw err;
            });
            if (existing === null) {
              this.inDoubt = null;
              const orphan = d.segment;
              if (orphan) void this.deps.store.delete(orphan).catch(() => undefined);
            } else if (bytesEqual(existing, d.bytes)) {
              this.inDoubt = null;
              this.deps.onDoubtLanded(this.entry(d.seq, d.ops));
            } else {
              const other = decodeEntry(entryKey(d.seq), existing);
              this.inDoubt = null;
              this.fence(other.epoch);
            }
            return;
          } catch (err) {
            this.deps.logger.warn({ err, seq: d.seq }, 'could not settle the manifest entry in doubt yet');
            await backoff.wait();
          }
        }
      } finally {
        this.resolvingDoubt = null;
      }
    })();
    return this.resolvingDoubt;
  }

  /** A newer broker wrote the manifest: refuse every write from now on. */
  fence(newerEpoch: number): void {
    if (this.fencedBy === 0) this.deps.logger.error({ epoch: this.epochClaimed, newerEpoch }, 'fenced by a newer broker; refusing writes');
    this.fencedBy = newerEpoch;
    this.deps.onFenced(new FencedError(this.epochClaimed, newerEpoch));
  }

  /**
   * An idle broker learns it was fenced by looking for the entry after its last one: only a
   * newer broker can have written it (ours are written by the flush, which is idle now).
   */
  async checkFenced(): Promise<void> {
    const { state } = this.deps;
    if (this.fenced || this.deps.isClosed() || this.deps.isWriting() || this.inDoubt) return;
    const seq = state.seq + 1;
    let bytes: Uint8Array;
    try {
      bytes = await this.deps.store.get(entryKey(seq));
    } catch {
      return; // absent (the usual case) or unreachable: look again later
    }
    if (this.fenced || state.seq >= seq) return; // we wrote it meanwhile
    try {
      const other = decodeEntry(entryKey(seq), bytes);
      if (other.writer !== this.writer && other.epoch > this.epochClaimed) this.fence(other.epoch);
    } catch (err) {
      this.deps.logger.warn({ err, seq }, 'unreadable manifest entry');
    }
  }
}
