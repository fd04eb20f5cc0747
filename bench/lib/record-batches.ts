/** Record batches as a producer would send them, for the broker benches. */
import { buildRecordBatch, type RecordInput } from '../../broker/protocol/record-batch.js';

/** Deterministic filler so that runs compare; not compressible by accident (no codec is used anyway). */
function filler(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed | 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** `recordsPerBatch` records with `valueBytes`-byte values and 8-byte keys, as one RecordBatch v2. */
export function makeRecordBatch(recordsPerBatch: number, valueBytes: number, seed = 1): Uint8Array {
  const records: RecordInput[] = Array.from({ length: recordsPerBatch }, (_, i) => ({
    key: filler(8, seed * 1000 + i),
    value: filler(valueBytes, seed * 7919 + i),
  }));
  return buildRecordBatch(records, { baseTimestamp: 1_700_000_000_000n });
}

/** The records of such a batch, as kafkajs messages. */
export function makeMessages(count: number, valueBytes: number, seed = 1): { key: Buffer; value: Buffer }[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(filler(8, seed * 1000 + i)),
    value: Buffer.from(filler(valueBytes, seed * 7919 + i)),
  }));
}
