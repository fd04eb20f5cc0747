/**
 * Checkpoints: the whole state after an entry, written every LOG_CHECKPOINT_INTERVAL_ENTRIES
 * entries so recovery replays at most that many. After a checkpoint, the checkpoints and entries
 * older than the previous one are deleted.
 */
import type { Logger } from 'pino';
import { LOG_CHECKPOINT_INTERVAL_ENTRIES } from '../constants.js';
import type { ObjectStore } from '../storage/object-store.js';
import { CHECKPOINT_PREFIX, MANIFEST_PREFIX, checkpointKey, encodeSnapshot, parseSeqKey } from './manifest.js';
import type { LogState } from './state.js';

export class Checkpoints {
  private running: Promise<void> | null = null;

  /**
   * @param store the bucket, with retries
   * @param lastSeq the sequence number of the newest checkpoint; -1 when there is none
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly state: LogState,
    private readonly logger: Logger,
    private lastSeq: number,
  ) {}

  /** Settles when the checkpoint being written (if any) is done. */
  get writing(): Promise<void> | null {
    return this.running;
  }

  /** Called after each entry is applied: writes a checkpoint in the background when one is due. */
  afterEntry(seq: number): void {
    if (seq - Math.max(this.lastSeq, 0) >= LOG_CHECKPOINT_INTERVAL_ENTRIES) void this.write();
  }

  /** Writes a checkpoint of the state now (or joins the one being written). Never rejects. */
  write(): Promise<void> {
    if (this.running) return this.running;
    const snap = this.state.snapshot();
    const bytes = encodeSnapshot(snap);
    this.running = (async () => {
      try {
        await this.store.put(checkpointKey(snap.seq), bytes);
        const prev = this.lastSeq;
        this.lastSeq = snap.seq;
        this.logger.debug({ seq: snap.seq, bytes: bytes.byteLength }, 'checkpoint written');
        // Keep the previous checkpoint and the entries after it: a broker that is recovering
        // right now may have listed that checkpoint already.
        if (prev >= 0) await this.deleteOlderThan(prev);
      } catch (err) {
        this.logger.warn({ err }, 'checkpoint failed; recovery replays more entries');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async deleteOlderThan(keepFromSeq: number): Promise<void> {
    for (const { key } of await this.store.list(CHECKPOINT_PREFIX)) {
      const seq = parseSeqKey(key, CHECKPOINT_PREFIX);
      if (seq !== null && seq < keepFromSeq) await this.store.delete(key);
    }
    for (const { key } of await this.store.list(MANIFEST_PREFIX)) {
      const seq = parseSeqKey(key, MANIFEST_PREFIX);
      if (seq === null || seq > keepFromSeq) break;
      await this.store.delete(key);
    }
  }
}
