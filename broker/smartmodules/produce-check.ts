/**
 * A module on a topic's produce path runs over every batch before anything is written. A filter
 * that drops a record refuses the whole request's records for the partition (INVALID_RECORD,
 * naming each dropped record's index); a map rewrites the records, and a filter_map does both.
 * A rewritten batch keeps its producer id, epoch, base sequence and record count, so idempotence
 * and acknowledgements stay as they were; it is compressed in the topic's codec (or, for
 * compression.type=producer, the codec the producer sent it in), with a fresh CRC.
 */
import { ABI_ERROR, SandboxError } from '../../runtime/index.js';
import { INPUT_BATCH_MAX_BYTES } from '../../runtime/constants.js';
import { PRODUCE_CHECK_RECORD_ERRORS_MAX } from '../constants.js';
import type { AttachmentInfo } from '../log/index.js';
import type { ProduceRecordError } from '../protocol/apis/produce.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { KafkaError } from '../protocol/errors.js';
import { compressionOf, concatRecordSet, decodeRecords, isControlBatch, isTransactional, iterateBatches, parseBatchHeader } from '../protocol/record-batch.js';
import { Compression } from '../protocol/codecs/index.js';
import { corrupt } from '../protocol/codecs/errors.js';
import { recompressRecordSet } from '../protocol/recompress.js';
import { isTooLargeForModule } from './abi-kafka.js';
import { abiToRecordBatch } from './abi-to-kafka.js';
import { KAFKA_INPUT_HEADER_BYTES, packKafkaInput, requestKafkaOutput } from './kafka-input.js';
import type { ModuleHost } from './module-host.js';

/** A produce refused by its check: INVALID_RECORD with the records it names (Produce v8+). */
export class ProduceCheckError extends KafkaError {
  constructor(message: string, readonly recordErrors: ProduceRecordError[]) {
    super(ErrorCode.INVALID_RECORD, message);
  }
}

/** How a module's failure reaches the producer: its fault-free failures can be retried. */
function failureCode(kind: string): number {
  return kind === 'deadline' || kind === 'worker-died' || kind === 'queue-full' || kind === 'closed' ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.INVALID_RECORD;
}

function describeModule(check: AttachmentInfo): string {
  const params = Object.entries(check.params).map(([k, v]) => `${k}=${v}`).join(', ');
  return `module ${check.module.name}${params === '' ? '' : ` (${params})`}`;
}

/**
 * Runs the check over a validated record set (whole batches). Resolves with the record set to
 * write: the same bytes when the module changed nothing, rewritten batches otherwise. Rejects with
 * ProduceCheckError (refused records or a module error) or KafkaError(REQUEST_TIMED_OUT) when the
 * module could not answer in time.
 */
export async function runProduceCheck(
  host: ModuleHost, check: AttachmentInfo, partition: number, records: Uint8Array, maxMessageBytes: number, topicCodec: Compression | null = null,
): Promise<Uint8Array> {
  const rt = await host.runtimeFor(check);
  const out: Uint8Array[] = [];
  let changed = false;
  let recordBase = 0; // index of this batch's first record in the request's record set
  for (const { bytes, header } of iterateBatches(records)) {
    if (header.recordCount === 0 || isControlBatch(header.attributes)) {
      out.push(bytes);
      continue;
    }
    const tooLarge = (why: string): ProduceCheckError => new ProduceCheckError(`batch of ${header.recordCount} records is too large for ${describeModule(check)}: ${why}`, []);
    // The batch goes to the worker as it was sent (compressed or not), which converts it beside
    // the module: the event loop only copies it.
    const input = packKafkaInput([bytes], 0, header.baseOffset, header.recordCount, INPUT_BATCH_MAX_BYTES, KAFKA_INPUT_HEADER_BYTES + bytes.byteLength, rt.buffers).input;
    const rewrites = check.module.kind !== 'filter';
    if (rewrites) {
      // The worker builds the rewritten batch, keeping the producer's fields and the batch's span.
      requestKafkaOutput(input, {
        baseOffset: header.baseOffset,
        lastOffset: header.baseOffset + BigInt(header.lastOffsetDelta),
        producerId: header.producerId,
        producerEpoch: header.producerEpoch,
        baseSequence: header.baseSequence,
        transactional: isTransactional(header.attributes),
      });
    }
    const started = performance.now();
    let decoded: { batch: Uint8Array | null; count: number; offsets: () => bigint[] };
    let inputCount: number;
    try {
      const r = await host.convertAndCall(rt, input).finally(() => rt.buffers.give(input));
      inputCount = r.converted.records;
      try {
        if (inputCount < header.recordCount) throw tooLarge(`its records pass ${INPUT_BATCH_MAX_BYTES} bytes in the module's input`);
        decoded = rewrites ? rewrittenBatch(r.output) : keptByFilter(r.output, inputCount);
      } finally {
        rt.buffers.give(r.output);
      }
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      if (err.kind === 'input') {
        // The worker could not convert the batch: a record too large for one call, or malformed records.
        if (isTooLargeForModule(err)) throw tooLarge(err.message);
        throw corrupt(err.message);
      }
      rt.stats.failure({ kind: err.kind, message: err.message, partition, firstOffset: '-', lastOffset: '-', atMs: Date.now() }, header.recordCount);
      host.logger.warn({ check: check.name, topic: check.source, partition, kind: err.kind, err: err.message }, 'produce check failed; batch refused');
      const code = failureCode(err.kind);
      if (code === ErrorCode.INVALID_RECORD) throw new ProduceCheckError(`${describeModule(check)} failed on the batch: ${err.message}`, []);
      throw new KafkaError(code, `${describeModule(check)} could not check the batch: ${err.message}`);
    }
    rt.stats.call(inputCount, decoded.count, performance.now() - started);
    if (decoded.count < inputCount) {
      // Which records the module dropped: their index in the request, as record_errors names them.
      const kept = new Set(decoded.offsets().map(String));
      const refused: ProduceRecordError[] = [];
      let dropped = 0;
      for (let i = 0; i < inputCount; i++) {
        if (kept.has(String(header.baseOffset + BigInt(i)))) continue;
        dropped++;
        if (refused.length < PRODUCE_CHECK_RECORD_ERRORS_MAX) {
          refused.push({ batchIndex: recordBase + i, batchIndexErrorMessage: `rejected by ${describeModule(check)}` });
        }
      }
      const where = refused.slice(0, 10).map((e) => e.batchIndex).join(', ');
      rt.stats.failure({ kind: 'rejected', message: `${dropped} record(s) rejected`, partition, firstOffset: '-', lastOffset: '-', atMs: Date.now() }, dropped);
      throw new ProduceCheckError(`${dropped} of ${inputCount} record(s) rejected by ${describeModule(check)}: record ${where}${dropped > 10 ? ', ...' : ''}`, refused);
    }
    if (check.module.kind === 'filter') out.push(bytes);
    else {
      // The module's output is built uncompressed: it goes into the codec it will be stored in.
      const codec = topicCodec ?? (compressionOf(header.attributes) as Compression);
      const rewritten = codec === Compression.none ? decoded.batch! : await recompressRecordSet(decoded.batch!, codec);
      if (rewritten.byteLength > maxMessageBytes) {
        rt.stats.failure({ kind: 'output-too-large', message: `batch of ${rewritten.byteLength} bytes`, partition, firstOffset: '-', lastOffset: '-', atMs: Date.now() }, inputCount);
        throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `${describeModule(check)} made the batch ${rewritten.byteLength} bytes, past the topic's max.message.bytes ${maxMessageBytes}`);
      }
      out.push(rewritten);
      changed = true;
    }
    recordBase += inputCount;
  }
  if (!changed) return records;
  // One batch (a request's usual partition data) is already a buffer of its own: no copy.
  return out.length === 1 ? out[0]! : concatRecordSet(out);
}

/**
 * A filter's kept batch is stored as it was sent: only how many records it kept is read from its
 * output (the runtime checked its layout), and which ones only when it dropped some. Offsets
 * that go back are the module's failure, as the worker reports a map's.
 */
function keptByFilter(output: Uint8Array, inputCount: number): { batch: null; count: number; offsets: () => bigint[] } {
  const count = new DataView(output.buffer, output.byteOffset, output.byteLength).getUint32(0, true);
  if (count === inputCount) return { batch: null, count, offsets: () => [] };
  let offsets: bigint[];
  try {
    offsets = abiToRecordBatch(output, { layoutOnly: true }).offsets;
  } catch (err) {
    throw new SandboxError('guest-error', err instanceof Error ? err.message : String(err), ABI_ERROR.BAD_OUTPUT, { cause: err });
  }
  return { batch: null, count, offsets: () => offsets };
}

/** The Kafka batch the worker built from a map's output (a copy of its own: the buffer goes back); its offsets read only when asked. */
function rewrittenBatch(output: Uint8Array): { batch: Uint8Array | null; count: number; offsets: () => bigint[] } {
  if (output.byteLength === 0) return { batch: null, count: 0, offsets: () => [] };
  const batch = output.slice();
  return { batch, count: parseBatchHeader(batch).recordCount, offsets: () => decodeRecords(batch).map((r) => r.offset) };
}
