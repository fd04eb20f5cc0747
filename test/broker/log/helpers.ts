/** Shared fixtures for the log tests: record batches and a store on a temporary directory. */
import { Log, type LogOptions } from '../../../broker/log/index.js';
import { buildRecordBatch, parseRecordSet, decodeRecords } from '../../../broker/protocol/record-batch.js';
import { LocalStore } from '../../../broker/storage/local-store.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One uncompressed batch of `values` (as UTF-8), optionally idempotent. */
export function batchOf(values: string[], opts: { timestampMs?: bigint; producerId?: bigint; producerEpoch?: number; baseSequence?: number } = {}): Uint8Array {
  return buildRecordBatch(
    values.map((v) => ({ key: null, value: enc.encode(v) })),
    { baseTimestamp: opts.timestampMs ?? BigInt(Date.now()), producerId: opts.producerId, producerEpoch: opts.producerEpoch, baseSequence: opts.baseSequence },
  );
}

/** (offset, value) of every record in the returned batches. */
export function recordsOf(batches: Uint8Array[]): { offset: bigint; value: string }[] {
  const out: { offset: bigint; value: string }[] = [];
  for (const b of batches) {
    for (const v of parseRecordSet(b)) for (const r of decodeRecords(v.bytes)) out.push({ offset: r.offset, value: dec.decode(r.value!) });
  }
  return out;
}

export function tempStore(prefix: string): { store: LocalStore; dir: string; cleanup: () => void } {
  const dir = makeTempDir(prefix);
  return { store: new LocalStore(dir), dir, cleanup: () => removeTempDir(dir) };
}

/**
 * A temporary store and an opener of Logs on it (maintenance off unless asked); the logs are
 * closed and the store removed by the test file's `cleanups`, which its afterEach runs.
 */
export function logsOnTempStore(prefix: string, cleanups: (() => Promise<void> | void)[], defaults: Partial<LogOptions> = {}) {
  const t = tempStore(prefix);
  const logs: Log[] = [];
  const open = async (opts: Partial<LogOptions> = defaults): Promise<Log> => {
    const log = await Log.open({ store: t.store, maintenanceIntervalMs: 0, ...opts });
    logs.push(log);
    return log;
  };
  cleanups.push(async () => {
    for (const l of logs) await l.close().catch(() => undefined);
    t.cleanup();
  });
  return { store: t.store, open };
}
