/**
 * A step's output as record sets to append: the chain's output records with new offsets (the
 * derived topic gives them their place), in batches no larger than the topic takes; dead letters
 * likewise for the dead-letter topic.
 */
import { decodeBatch, encodeBatch, type HostRecord } from '../../runtime/index.js';
import { concatRecordSet } from '../protocol/record-batch.js';
import { abiToRecordBatch } from '../smartmodules/abi-to-kafka.js';

/** Kafka bytes one record adds beyond its key, value and headers, at most: varints and fixed fields. */
const RECORD_OVERHEAD_MAX_BYTES = 40;
/** Kafka bytes of a batch header. */
const BATCH_OVERHEAD_BYTES = 61;

function recordBytes(r: HostRecord): number {
  let n = RECORD_OVERHEAD_MAX_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += 10 + h.key.length * 3 + (h.value?.length ?? 0);
  return n;
}

/**
 * One record set (one or more batches of at most `maxBatchBytes` each) of `output`, an ABI batch
 * or decoded records; null when there is no record.
 */
export function outputRecordSet(output: Uint8Array | HostRecord[], maxBatchBytes: number): Uint8Array | null {
  if (output instanceof Uint8Array) {
    // The common case: one call's output, small enough for one batch (ABI bytes bound its Kafka size).
    if (output.byteLength + BATCH_OVERHEAD_BYTES <= maxBatchBytes) return abiToRecordBatch(output, { renumber: true }).batch;
    return outputRecordSet(decodeBatch(output), maxBatchBytes);
  }
  if (output.length === 0) return null;
  const batches: Uint8Array[] = [];
  let chunk: HostRecord[] = [];
  let size = BATCH_OVERHEAD_BYTES;
  const flush = (): void => {
    if (chunk.length === 0) return;
    batches.push(abiToRecordBatch(encodeBatch(chunk), { renumber: true }).batch!);
    chunk = [];
    size = BATCH_OVERHEAD_BYTES;
  };
  for (const r of output) {
    const n = recordBytes(r);
    if (chunk.length > 0 && size + n > maxBatchBytes) flush();
    chunk.push(r);
    size += n;
  }
  flush();
  return batches.length === 1 ? batches[0]! : concatRecordSet(batches);
}
