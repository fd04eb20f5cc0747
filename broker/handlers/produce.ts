/**
 * Produce: every batch is checked (magic 2, whole, CRC-32C, size) before the log sees it, all
 * partitions of the request are appended concurrently (so they share one flush), and the answer
 * waits until the log says the records are durable in the bucket, whatever acks says (0 excepted:
 * no answer at all, but the connection still waits, as Kafka's does, which keeps memory bounded).
 */
import type {
  ProducePartitionResponse,
  ProduceRequest,
  ProduceResponse,
} from '../protocol/apis/produce.js';
import { ErrorCode, errorName } from '../protocol/error-codes.js';
import { KafkaError } from '../protocol/errors.js';
import { iterateBatches, verifyCrc } from '../protocol/record-batch.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { ProduceCheckError, runProduceCheck } from '../smartmodules/produce-check.js';

const VALID_ACKS = new Set([0, 1, -1]);

/** Throws KafkaError with the code of the first problem; a record set must be whole batches. Returns its record count. */
export function validateRecordSet(records: Uint8Array | null, maxMessageBytes: number): number {
  if (records === null || records.byteLength === 0) {
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'produce request without records');
  }
  let batches = 0;
  let count = 0;
  for (const { bytes, position, header } of iterateBatches(records, { truncated: 'error' })) {
    batches++;
    count += header.recordCount;
    if (!verifyCrc(bytes)) {
      throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record batch at byte ${position}: CRC-32C mismatch`);
    }
    if (bytes.byteLength > maxMessageBytes) {
      throw new KafkaError(
        ErrorCode.MESSAGE_TOO_LARGE,
        `record batch of ${bytes.byteLength} bytes exceeds max.message.bytes ${maxMessageBytes}`,
      );
    }
  }
  if (batches === 0) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'record set holds no batch');
  return count;
}

function partitionResponse(index: number, errorCode: number, errorMessage: string | null = null): ProducePartitionResponse {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage,
  };
}

export async function handleProduce(ctx: HandlerContext, req: ProduceRequest): Promise<ProduceResponse | null> {
  const started = performance.now();
  // A request-wide problem gives every partition the same code.
  let requestError: number = ErrorCode.NONE;
  if (!VALID_ACKS.has(req.acks)) requestError = ErrorCode.INVALID_REQUIRED_ACKS;
  // No transactions here: Kafka answers a transactional produce it cannot authorize this way.
  else if (req.transactionalId !== null) requestError = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;

  const responses = await Promise.all(
    req.topicData.map(async (t) => ({
      name: t.name,
      partitionResponses: await Promise.all(
        t.partitionData.map(async (p): Promise<ProducePartitionResponse> => {
          if (requestError !== ErrorCode.NONE) return partitionResponse(p.index, requestError);
          const topic = ctx.log.getTopic(t.name);
          if (topic === undefined || p.index < 0 || p.index >= topic.partitions) {
            const view = topic === undefined ? ctx.log.getAttachment('view', t.name) : undefined;
            if (view !== undefined) {
              return partitionResponse(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `${t.name} is a view of ${view.source}; produce to ${view.source}`);
            }
            return partitionResponse(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          }
          try {
            const count = validateRecordSet(p.records, topic.config.maxMessageBytes);
            const check = ctx.log.getAttachment('produce', t.name);
            let records = p.records!;
            if (check !== undefined) records = await runProduceCheck(ctx.smartmodules, check, p.index, records, topic.config.maxMessageBytes);
            const result = await ctx.log.append(t.name, p.index, records);
            ctx.metrics?.recordsIn.inc({ topic: t.name }, count);
            ctx.metrics?.bytesIn.inc({ topic: t.name }, p.records!.byteLength);
            return {
              index: p.index,
              errorCode: ErrorCode.NONE,
              baseOffset: result.baseOffset,
              logAppendTimeMs: result.logAppendTimeMs,
              logStartOffset: result.logStartOffset,
              recordErrors: [],
              errorMessage: null,
            };
          } catch (err) {
            const code = errorCodeOf(err, ctx.logger);
            if (err instanceof KafkaError) {
              ctx.logger.debug({ topic: t.name, partition: p.index, code, err: err.message }, 'produce refused');
            }
            const response = partitionResponse(p.index, code, err instanceof Error ? err.message : null);
            if (err instanceof ProduceCheckError) response.recordErrors = err.recordErrors;
            return response;
          }
        }),
      ),
    })),
  );
  if (ctx.metrics !== undefined) {
    const firstError = responses.flatMap((t) => t.partitionResponses).find((p) => p.errorCode !== ErrorCode.NONE);
    ctx.metrics.produceRequests.inc({ outcome: firstError === undefined ? 'ok' : errorName(firstError.errorCode) });
    ctx.metrics.produceLatency.observe({ acks: String(req.acks) }, (performance.now() - started) / 1000);
  }
  if (req.acks === 0) return null;
  return { responses, throttleTimeMs: 0 };
}
