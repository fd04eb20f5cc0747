/**
 * Fetch as a long poll: read what is there; if it is less than minBytes, wait for the log to
 * signal new data (or maxWaitMs, or shutdown) and read again. Whole batches only; the first
 * partition with data gets at least one batch even past the byte limits (KIP-74), so a consumer
 * always makes progress. No fetch sessions: sessionId 0 means "full fetch every time".
 */
import { FETCH_MAX_WAIT_MS } from '../constants.js';
import type {
  FetchRequest,
  FetchResponse,
  FetchResponsePartition,
  FetchResponseTopic,
} from '../protocol/apis/fetch.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { OffsetOutOfRangeError } from '../log/errors.js';
import { iterateBatches } from '../protocol/record-batch.js';
import type { HandlerContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { resolveTopic } from './views.js';
import { readView } from '../smartmodules/view-read.js';

/** Kafka's "no preferred read replica": read from the leader. */
const NO_PREFERRED_REPLICA = -1;
const EMPTY = new Uint8Array(0);

/** A partition answer without records: an error, or nothing new yet. */
function emptyPartition(partitionIndex: number, errorCode: number, hw = -1n, logStart = -1n): FetchResponsePartition {
  return {
    partitionIndex,
    errorCode,
    highWatermark: hw,
    lastStableOffset: hw,
    logStartOffset: logStart,
    abortedTransactions: null,
    preferredReadReplica: NO_PREFERRED_REPLICA,
    records: EMPTY,
  };
}

interface ReadOutcome {
  responses: FetchResponseTopic[];
  bytes: number;
  /** A partition answered with an error: answer now, the client must act on it. */
  hasError: boolean;
}

/** Fetch v5 and later: clients that skip control batches, so a view closes its trailing gap with one. */
const CONTROL_GAP_MIN_FETCH_VERSION = 5;

async function readOnce(ctx: HandlerContext, req: FetchRequest, apiVersion: number): Promise<ReadOutcome> {
  let budget = Math.max(0, req.maxBytes);
  let bytes = 0;
  let hasError = false;
  const responses: FetchResponseTopic[] = [];
  // Partitions are read in request order so the byte budget is spent the way Kafka spends it.
  for (const t of req.topics) {
    const partitions: FetchResponsePartition[] = [];
    const resolved = resolveTopic(ctx, t.topic);
    for (const p of t.partitions) {
      if (resolved === undefined || p.partition < 0 || p.partition >= resolved.info.partitions) {
        partitions.push(emptyPartition(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        hasError = true;
        continue;
      }
      const limit = Math.min(Math.max(0, p.partitionMaxBytes), budget);
      try {
        const hw = ctx.log.highWatermark(resolved.source, p.partition);
        const logStart = ctx.log.logStartOffset(resolved.source, p.partition);
        // Nothing to read (caught up, or the byte budget is spent): answer from memory, no read.
        // Below the log start (records deleted) is out of range, budget or not: the read says so.
        if (p.fetchOffset === hw || (budget === 0 && bytes > 0 && p.fetchOffset < hw && p.fetchOffset >= logStart)) {
          partitions.push(emptyPartition(p.partition, ErrorCode.NONE, hw, logStart));
          continue;
        }
        const read = resolved.view === undefined
          ? await ctx.log.read(t.topic, p.partition, p.fetchOffset, Math.max(1, limit))
          : await readView(ctx.smartmodules, ctx.log, resolved.view, p.partition, p.fetchOffset, Math.max(1, limit),
            apiVersion >= CONTROL_GAP_MIN_FETCH_VERSION ? 'control' : 'empty');
        const chosen: Uint8Array[] = [];
        let size = 0;
        for (const batch of read.records) {
          // Past the limit stop, unless nothing was sent yet anywhere: progress beats the limit.
          if (size + batch.byteLength > limit && !(chosen.length === 0 && bytes === 0)) break;
          chosen.push(batch);
          size += batch.byteLength;
        }
        bytes += size;
        budget = Math.max(0, budget - size);
        partitions.push({
          partitionIndex: p.partition,
          errorCode: ErrorCode.NONE,
          highWatermark: read.highWatermark,
          lastStableOffset: read.highWatermark,
          logStartOffset: read.logStartOffset,
          abortedTransactions: null,
          preferredReadReplica: NO_PREFERRED_REPLICA,
          // Batches go to the socket as they are, by reference: joining 16 MiB would block the loop.
          records: null,
          recordParts: chosen,
        });
      } catch (err) {
        hasError = true;
        if (err instanceof OffsetOutOfRangeError) {
          partitions.push(emptyPartition(p.partition, ErrorCode.OFFSET_OUT_OF_RANGE, err.highWatermark, err.logStartOffset));
        } else {
          partitions.push(emptyPartition(p.partition, errorCodeOf(err, ctx.logger)));
        }
      }
    }
    responses.push({ topic: t.topic, partitions });
  }
  return { responses, bytes, hasError };
}

export async function handleFetch(ctx: HandlerContext, req: FetchRequest, signal: AbortSignal, apiVersion = 11): Promise<FetchResponse> {
  if (req.sessionId !== 0) {
    // We never hand out sessions, so an incremental fetch names one we do not know.
    return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
  }
  const deadline = Date.now() + Math.min(Math.max(0, req.maxWaitMs), FETCH_MAX_WAIT_MS);
  const minBytes = Math.max(1, req.minBytes);
  for (;;) {
    const outcome = await readOnce(ctx, req, apiVersion);
    const left = deadline - Date.now();
    if (outcome.bytes >= minBytes || outcome.hasError || left <= 0 || signal.aborted) {
      if (ctx.metrics !== undefined) {
        ctx.metrics.fetchRequests.inc({ outcome: outcome.hasError ? 'error' : 'ok' });
        for (const t of outcome.responses) {
          let bytes = 0;
          let records = 0;
          for (const p of t.partitions) {
            for (const part of p.recordParts ?? (p.records === null ? [] : [p.records])) {
              bytes += part.byteLength;
              for (const b of iterateBatches(part, { truncated: 'stop' })) records += b.header.recordCount;
            }
          }
          if (bytes > 0) ctx.metrics.bytesOut.inc({ topic: t.topic }, bytes);
          if (records > 0) ctx.metrics.recordsOut.inc({ topic: t.topic }, records);
        }
      }
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: outcome.responses };
    }
    // Wait for records past what we just saw, or minBytes > 1 would spin on the same data.
    const positions = [];
    for (let i = 0; i < req.topics.length; i++) {
      const t = req.topics[i]!;
      for (let j = 0; j < t.partitions.length; j++) {
        const p = t.partitions[j]!;
        const hw = outcome.responses[i]!.partitions[j]!.highWatermark;
        positions.push({ topic: resolveTopic(ctx, t.topic)?.source ?? t.topic, partition: p.partition, offset: hw > p.fetchOffset ? hw : p.fetchOffset });
      }
    }
    await ctx.log.waitForData(positions, left, signal);
  }
}
