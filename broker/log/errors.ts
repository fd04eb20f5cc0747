/**
 * Errors of the log. Each says whether a retry can help; the handlers map each class
 * to exactly one Kafka error code (the log does not know the protocol's codes).
 */

export abstract class LogError extends Error {
  abstract readonly retriable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UnknownTopicError extends LogError {
  readonly retriable = true; // Kafka's UNKNOWN_TOPIC_OR_PARTITION is retriable: the topic may appear
  constructor(readonly topic: string) {
    super(`unknown topic ${JSON.stringify(topic)}`);
  }
}

export class UnknownPartitionError extends LogError {
  readonly retriable = true;
  constructor(readonly topic: string, readonly partition: number) {
    super(`unknown partition ${topic}-${partition}`);
  }
}

export class TopicExistsError extends LogError {
  readonly retriable = false;
  constructor(readonly topic: string) {
    super(`topic ${JSON.stringify(topic)} already exists`);
  }
}

export class InvalidTopicError extends LogError {
  readonly retriable = false;
  constructor(readonly topic: string, reason: string) {
    super(`invalid topic name ${JSON.stringify(topic)}: ${reason}`);
  }
}

export class InvalidPartitionsError extends LogError {
  readonly retriable = false;
  constructor(readonly partitions: number, reason: string) {
    super(`invalid partition count ${partitions}: ${reason}`);
  }
}

export class OffsetOutOfRangeError extends LogError {
  readonly retriable = false;
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: bigint,
    readonly logStartOffset: bigint,
    readonly highWatermark: bigint,
  ) {
    super(`offset ${offset} of ${topic}-${partition} outside [${logStartOffset}, ${highWatermark}]`);
  }
}

export class RecordTooLargeError extends LogError {
  readonly retriable = false;
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super(`record batch of ${bytes} bytes exceeds the limit of ${maxBytes} bytes`);
  }
}

/** A record set that is not a sequence of whole RecordBatch v2 (the caller should have caught it). */
export class CorruptRecordError extends LogError {
  readonly retriable = false;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`corrupt record set: ${reason}`, options);
  }
}

export class OutOfOrderSequenceError extends LogError {
  readonly retriable = false;
  constructor(readonly producerId: bigint, readonly expected: number, readonly got: number) {
    super(`producer ${producerId}: expected sequence ${expected}, got ${got}`);
  }
}

export class InvalidProducerEpochError extends LogError {
  readonly retriable = false;
  constructor(readonly producerId: bigint, readonly epoch: number, readonly currentEpoch: number) {
    super(`producer ${producerId}: epoch ${epoch} is older than ${currentEpoch}`);
  }
}

export class UnknownProducerIdError extends LogError {
  readonly retriable = false;
  constructor(readonly producerId: bigint) {
    super(`unknown producer id ${producerId}`);
  }
}

/**
 * A newer broker claimed the manifest: this one accepts no more writes. Retriable for the
 * client, which finds the new broker; never for this Log.
 */
export class FencedError extends LogError {
  readonly retriable = true;
  constructor(readonly epoch: number, readonly newerEpoch: number) {
    super(`broker epoch ${epoch} fenced by epoch ${newerEpoch}`);
  }
}

/** The store failed (after retries): whatever was being written is NOT acknowledged. */
export class StorageError extends LogError {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The Log was closed; appends still buffered were not written. */
export class LogClosedError extends LogError {
  readonly retriable = true;
  constructor() {
    super('log is closed');
  }
}

/** A view name or produce check that exists already (a view name is also taken by a topic of that name). */
export class AttachmentExistsError extends LogError {
  readonly retriable = false;
  constructor(readonly kind: 'view' | 'produce' | 'derived', readonly attachmentName: string, detail: string) {
    super(`${kind === 'view' ? 'view' : 'topic'} ${JSON.stringify(attachmentName)} ${detail}`);
  }
}

export class UnknownAttachmentError extends LogError {
  readonly retriable = false;
  constructor(readonly kind: 'view' | 'produce' | 'derived', readonly attachmentName: string) {
    super(kind === 'view' ? `no view named ${JSON.stringify(attachmentName)}`
      : kind === 'produce' ? `no produce check on topic ${JSON.stringify(attachmentName)}`
      : `no pipeline writes ${JSON.stringify(attachmentName)}`);
  }
}

/**
 * A pipeline commit that does not follow the pipeline's committed position (a newer attachment,
 * or a commit that landed after all): the pipeline reads its position again and carries on.
 */
export class StalePipelineCommitError extends LogError {
  readonly retriable = true;
  constructor(readonly pipeline: string, readonly partition: number, reason: string) {
    super(`pipeline ${pipeline} partition ${partition}: ${reason}`);
  }
}

/** Deleting a topic that views read or a check guards would leave them dangling: detach them first. */
export class TopicInUseError extends LogError {
  readonly retriable = false;
  constructor(readonly topic: string, readonly dependents: string[]) {
    super(`topic ${JSON.stringify(topic)} has ${dependents.join(', ')} attached; detach first`);
  }
}
