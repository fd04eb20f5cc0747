/** Shared fixtures for the log tests: record batches and a store on a temporary directory. */
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
