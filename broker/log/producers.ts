/**
 * Idempotent producers: sequence checks and duplicate detection against the durable producer
 * state plus the appends not yet durable (the overlay), and producer id allocation. A retry of a
 * batch still in flight waits for the original and answers with its offsets.
 */
import { LOG_PRODUCER_DEDUP_BATCHES_COUNT } from '../constants.js';
import type { RecordBatchView } from '../protocol/record-batch.js';
import { CorruptRecordError, InvalidProducerEpochError, OutOfOrderSequenceError, UnknownProducerIdError } from './errors.js';
import type { Op } from './manifest.js';
import { producerKey, type LogState, type PartitionState, type ProducerBatch } from './state.js';
import type { AppendResult } from './types.js';

type BatchHeader = RecordBatchView['header'];

export interface PendingProducerBatch extends ProducerBatch {
  /** Set while the batch is not yet durable: a retry of it waits for the original. */
  pending?: Promise<AppendResult>;
}

/** The producer side of an append: who sent it and the sequence range it takes. */
export interface PendingProducer {
  producerId: bigint;
  producerEpoch: number;
  batch: PendingProducerBatch;
  key: string;
}

/** Producer state including appends not yet durable; dropped when those fail. */
interface ProducerOverlay {
  producerEpoch: number;
  batches: PendingProducerBatch[];
  pendingCount: number;
}

const INT32_MAX = 0x7fffffff;

/** The last sequence of a batch, wrapping past INT32_MAX to 0 as Kafka does. */
function lastSequence(first: number, delta: number): number {
  const s = first + delta;
  return s > INT32_MAX ? s - INT32_MAX - 1 : s;
}
function nextSequence(last: number): number {
  return last === INT32_MAX ? 0 : last + 1;
}

export class Producers {
  private readonly overlay = new Map<string, ProducerOverlay>();
  /** Ids handed out, durable or not: never handed out twice, even when their entry fails. */
  private reservedId: bigint;

  constructor(private readonly state: LogState) {
    this.reservedId = state.nextProducerId;
  }

  /** Idempotence: the original result for a duplicate, throws for a bad sequence, else undefined. */
  check(topic: string, partition: number, headers: BatchHeader[], p: PartitionState): Promise<AppendResult> | undefined {
    const h = headers[0]!;
    for (const x of headers) {
      if (x.producerId !== h.producerId || x.producerEpoch !== h.producerEpoch) throw new CorruptRecordError('batches of one record set from different producers');
    }
    if (h.producerId >= this.state.nextProducerId) throw new UnknownProducerIdError(h.producerId);
    const key = producerKey(h.producerId, topic, partition);
    const cur = this.overlay.get(key) ?? this.state.producers.get(key);
    if (cur && h.producerEpoch < cur.producerEpoch) throw new InvalidProducerEpochError(h.producerId, h.producerEpoch, cur.producerEpoch);
    const batches: PendingProducerBatch[] = cur && cur.producerEpoch === h.producerEpoch ? cur.batches : [];
    const lastH = headers[headers.length - 1]!;
    const lastSeq = lastSequence(lastH.baseSequence, lastH.lastOffsetDelta);
    const dup = batches.find((b) => b.firstSeq === h.baseSequence && b.lastSeq === lastSeq);
    if (dup) {
      const original = dup.pending;
      if (original) return original.then((r) => ({ ...r, duplicate: true }));
      return Promise.resolve({ baseOffset: dup.baseOffset, logAppendTimeMs: -1n, logStartOffset: p.logStart, duplicate: true });
    }
    const expected = batches.length > 0 ? nextSequence(batches[batches.length - 1]!.lastSeq) : 0;
    if (h.baseSequence !== expected) throw new OutOfOrderSequenceError(h.producerId, expected, h.baseSequence);
    // Within the record set the batches must follow each other too.
    let next = nextSequence(lastSequence(h.baseSequence, h.lastOffsetDelta));
    for (const x of headers.slice(1)) {
      if (x.baseSequence !== next) throw new OutOfOrderSequenceError(h.producerId, next, x.baseSequence);
      next = nextSequence(lastSequence(x.baseSequence, x.lastOffsetDelta));
    }
    return undefined;
  }

  /** The producer side of a checked record set that takes offsets [base, last]. */
  describe(topic: string, partition: number, headers: BatchHeader[], base: bigint, last: bigint): PendingProducer {
    const first = headers[0]!;
    const lastH = headers[headers.length - 1]!;
    const batch: PendingProducerBatch = {
      firstSeq: first.baseSequence,
      lastSeq: lastSequence(lastH.baseSequence, lastH.lastOffsetDelta),
      baseOffset: base,
      lastOffset: last,
    };
    return { producerId: first.producerId, producerEpoch: first.producerEpoch, batch, key: producerKey(first.producerId, topic, partition) };
  }

  /** Remembers a buffered batch, so that a retry of it is found before it is durable. */
  track(producer: PendingProducer, result: Promise<AppendResult>): void {
    producer.batch.pending = result;
    let o = this.overlay.get(producer.key);
    if (!o || o.producerEpoch !== producer.producerEpoch) {
      const durable = this.state.producers.get(producer.key);
      o = {
        producerEpoch: producer.producerEpoch,
        batches: durable && durable.producerEpoch === producer.producerEpoch ? [...durable.batches] : [],
        // Batches of the old epoch still in flight keep the overlay alive until they land.
        pendingCount: o?.pendingCount ?? 0,
      };
      this.overlay.set(producer.key, o);
    }
    o.batches.push(producer.batch);
    if (o.batches.length > LOG_PRODUCER_DEDUP_BATCHES_COUNT) o.batches.shift();
    o.pendingCount++;
    // The original caller handles rejection; this keeps a dangling copy from being "unhandled".
    result.catch(() => undefined);
  }

  /** A tracked batch is durable: the state has it now. */
  landed(producer: PendingProducer): void {
    producer.batch.pending = undefined;
    const o = this.overlay.get(producer.key);
    if (o && --o.pendingCount <= 0) this.overlay.delete(producer.key);
  }

  /** Every batch not yet durable failed. */
  forgetPending(): void {
    this.overlay.clear();
  }

  /** The manifest operation a durable append of `producer` adds. */
  static op(topic: string, partition: number, producer: PendingProducer): Op {
    const { firstSeq, lastSeq, baseOffset, lastOffset } = producer.batch;
    return { op: 'producerBatch', producerId: producer.producerId, producerEpoch: producer.producerEpoch, topic, partition, batch: { firstSeq, lastSeq, baseOffset, lastOffset } };
  }

  /** A new producer id, written durably by `write` before it is handed out. */
  async allocateId(write: (ops: Op[]) => Promise<void>): Promise<{ producerId: bigint; producerEpoch: number }> {
    if (this.reservedId < this.state.nextProducerId) this.reservedId = this.state.nextProducerId;
    const producerId = this.reservedId++;
    await write([{ op: 'producerIds', next: producerId + 1n }]);
    return { producerId, producerEpoch: 0 };
  }
}
