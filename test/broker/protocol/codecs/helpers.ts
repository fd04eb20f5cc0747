/** Batches around hand-compressed records sections, for the codec tests. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ErrorCode } from '../../../../broker/protocol/error-codes.js';
import { KafkaError } from '../../../../broker/protocol/errors.js';
import { buildRecordBatch, decodeRecords, withRecordsSection, type DecodedRecord, type RecordInput } from '../../../../broker/protocol/record-batch.js';

export { enc, recordsSection, sampleRecords } from '../../../fixtures/protocol/codec-samples.js';

/** The batch of `records`, its records section replaced by `section` compressed with `codec`; CRC recomputed. */
export function compressedBatch(records: readonly RecordInput[], codec: number, section: Uint8Array): Uint8Array {
  return withRecordsSection(buildRecordBatch(records, { baseTimestamp: records[0]?.timestampMs ?? 0n }), codec, section);
}

/** What decodeRecords returns for these records at base offset 0. */
export function expectedRecords(records: readonly RecordInput[]): DecodedRecord[] {
  return records.map((r, i) => ({ offset: BigInt(i), timestampMs: r.timestampMs!, key: r.key, value: r.value, headers: [...(r.headers ?? [])] }));
}

/** The KafkaError a call throws (failing the test when it throws anything else, or nothing). */
export function kafkaErrorOf(fn: () => unknown): KafkaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KafkaError) return err;
    throw err;
  }
  throw new Error('expected a KafkaError, nothing was thrown');
}

export function expectCorrupt(fn: () => unknown, message: RegExp): void {
  const err = kafkaErrorOf(fn);
  expect([err.code, err.message]).toEqual([ErrorCode.CORRUPT_MESSAGE, expect.stringMatching(message)]);
}

/** A records section of exactly `bytes` bytes (zeros): what a bound test inflates to. */
export function zeros(bytes: number): Uint8Array {
  return new Uint8Array(bytes);
}

/** Decode a bare section through the batch path, with a bound. */
export function decodeSection(codec: number, section: Uint8Array, decompressedMaxBytes: number): DecodedRecord[] {
  return decodeRecords(compressedBatch([], codec, section), { decompressedMaxBytes });
}

/** Copies of `valid` with one to four bytes overwritten: what the fuzz properties feed the decoders. */
export function mutationsOf(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .array(fc.tuple(fc.nat({ max: valid.byteLength - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
    .map((muts) => {
      const copy = valid.slice();
      for (const [at, b] of muts) copy[at] = b;
      return copy;
    });
}
