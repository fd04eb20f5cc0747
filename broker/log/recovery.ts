/**
 * Recovery and replay: the state is rebuilt from the bucket alone, as the newest checkpoint plus
 * every manifest entry after it, applied in order exactly as they were applied live.
 */
import type { Logger } from 'pino';
import { LOG_RECOVERY_FETCH_CONCURRENCY_COUNT } from '../constants.js';
import type { ObjectStore } from '../storage/object-store.js';
import { CHECKPOINT_PREFIX, MANIFEST_PREFIX, decodeEntry, decodeSnapshot, entryKey, parseSeqKey, type ManifestEntry } from './manifest.js';
import { LogState } from './state.js';

export interface Recovered {
  state: LogState;
  /** The sequence number of the checkpoint recovery started from; -1 when there was none. */
  checkpointSeq: number;
}

/** Loads the newest checkpoint and replays the entries after it. `store` should retry. */
export async function recoverState(store: ObjectStore, logger: Logger): Promise<Recovered> {
  let state = new LogState();
  let checkpointSeq = -1;
  const checkpoints = await store.list(CHECKPOINT_PREFIX);
  let after: string | undefined;
  for (let i = checkpoints.length - 1; i >= 0; i--) {
    const key = checkpoints[i]!.key;
    const seq = parseSeqKey(key, CHECKPOINT_PREFIX);
    if (seq === null) continue;
    const snap = decodeSnapshot(key, await store.get(key));
    if (snap.seq !== seq) throw new Error(`checkpoint ${key} holds seq ${snap.seq}`);
    state = LogState.fromSnapshot(snap);
    checkpointSeq = seq;
    after = entryKey(seq);
    break;
  }
  await replayEntries(store, state, after);
  logger.info({ seq: state.seq, topics: state.topics.size }, 'log recovered');
  return { state, checkpointSeq };
}

/** Applies every manifest entry after the key `after` in order. */
export async function replayEntries(store: ObjectStore, state: LogState, after?: string): Promise<void> {
  const keys = (await store.list(MANIFEST_PREFIX, after)).map((o) => o.key).filter((k) => {
    const seq = parseSeqKey(k, MANIFEST_PREFIX);
    return seq !== null && seq > state.seq;
  });
  // Fetch a window of entries at a time (S3 GETs are slow one by one), apply them in order.
  for (let i = 0; i < keys.length; i += LOG_RECOVERY_FETCH_CONCURRENCY_COUNT) {
    const window = keys.slice(i, i + LOG_RECOVERY_FETCH_CONCURRENCY_COUNT);
    const bodies = await Promise.all(window.map((k) => store.get(k)));
    window.forEach((key, j) => {
      const seq = parseSeqKey(key, MANIFEST_PREFIX)!;
      if (seq !== state.seq + 1) throw new Error(`manifest gap: entry ${seq} follows ${state.seq}`);
      const entry = decodeEntry(key, bodies[j]!);
      if (entry.seq !== seq) throw new Error(`manifest entry ${key} holds seq ${entry.seq}`);
      applyEntry(state, entry);
    });
  }
}

/** Applies one entry, which must be the next one. */
export function applyEntry(state: LogState, entry: ManifestEntry): void {
  if (entry.seq !== state.seq + 1) throw new Error(`manifest invariant: applying entry ${entry.seq} after ${state.seq}`);
  for (const op of entry.ops) state.apply(op);
  state.seq = entry.seq;
}
