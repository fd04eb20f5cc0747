/**
 * Produce: a topic not yet there is created on first use when the broker allows it
 * (auto-create.ts); a view is refused. Every batch is checked (magic 2, whole, CRC-32C, size)
 * before the log sees it, then recompressed when the topic's compression.type names another
 * codec (recompress.ts), after any produce check. All partitions of the request are appended
 * concurrently (so they share one flush), and the answer
 * waits until the log says the records are durable in the bucket, whatever acks says (0 excepted:
 * no answer at all, but the connection still waits, as Kafka's does, which keeps memory bounded).
 */
import { TOPIC_MAX_MESSAGE_BYTES_DEFAULT } from '../constants.js';
import type {
  ProduceRequestPartition,
  ProducePartitionResponse,
  ProduceRequest,
  ProduceResponse,
} from '../protocol/apis/produce.js';
import { ErrorCode, errorName } from '../protocol/error-codes.js';
import { KafkaError } from '../protocol/errors.js';
import { iterateBatches, verifyCrc } from '../protocol/record-batch.js';
import { codecOfCompressionType, recompressRecordSet } from '../protocol/recompress.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { topicOrAutoCreate } from './auto-create.js';
import { resolveTopic } from './views.js';
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

/** One partition of a request: find or create the topic, check, append, answer. */
async function producePartition(ctx: HandlerContext, name: string, p: ProduceRequestPartition): Promise<ProducePartitionResponse> {
  // A record set that would be refused anyway creates no topic: check it before a first use.
  if (ctx.autoCreateTopics && resolveTopic(ctx, name) === undefined) {
    try {
      validateRecordSet(p.records, TOPIC_MAX_MESSAGE_BYTES_DEFAULT);
    } catch (err) {
      return partitionResponse(p.index, errorCodeOf(err, ctx.logger), err instanceof Error ? err.message : null);
    }
  }
  const found = await topicOrAutoCreate(ctx, name);
  if (found.topic === undefined) return partitionResponse(p.index, found.errorCode, found.message);
  const view = found.topic.view;
  if (view !== undefined) {
    return partitionResponse(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `${name} is a view of ${view.source}; produce to ${view.source}`);
  }
  const pipeline = ctx.log.getAttachment('derived', name);
  if (pipeline !== undefined) {
    return partitionResponse(p.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `${name} is written by its pipeline from ${pipeline.source}; produce to ${pipeline.source}`);
  }
  const topic = found.topic.info;
  if (p.index < 0 || p.index >= topic.partitions) return partitionResponse(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  try {
    const count = validateRecordSet(p.records, topic.config.maxMessageBytes);
    const check = ctx.log.getAttachment('produce', name);
    let records = p.records!;
    const codec = codecOfCompressionType(topic.config.compressionType);
    // A check's rewritten batches come back in the topic's codec already; the rest are recompressed here.
    if (check !== undefined) records = await runProduceCheck(ctx.smartmodules, check, p.index, records, topic.config.maxMessageBytes, codec);
    if (codec !== null) records = await recompressRecordSet(records, codec);
    const result = await ctx.log.append(name, p.index, records);
    ctx.metrics?.recordsIn.inc({ topic: name }, count);
    ctx.metrics?.bytesIn.inc({ topic: name }, p.records!.byteLength);
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
      ctx.logger.debug({ topic: name, partition: p.index, code, err: err.message }, 'produce refused');
    }
    const response = partitionResponse(p.index, code, err instanceof Error ? err.message : null);
    if (err instanceof ProduceCheckError) response.recordErrors = err.recordErrors;
    return response;
  }
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
        t.partitionData.map((p) => (requestError !== ErrorCode.NONE ? partitionResponse(p.index, requestError) : producePartition(ctx, t.name, p))),
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
