/**
 * The edge where internal errors become Kafka error codes: each log error class maps to exactly
 * one code, chosen so clients retry what a retry can fix.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../protocol/error-codes.js';
import { KafkaError } from '../protocol/errors.js';
import {
  AttachmentExistsError,
  CorruptRecordError,
  FencedError,
  InvalidPartitionsError,
  InvalidProducerEpochError,
  InvalidTopicError,
  LogClosedError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  RecordTooLargeError,
  StorageError,
  TopicExistsError,
  TopicInUseError,
  UnknownAttachmentError,
  UnknownPartitionError,
  UnknownProducerIdError,
  UnknownTopicError,
} from '../log/errors.js';
import { ViewHaltedError } from '../smartmodules/view-read.js';

export function errorCodeOf(err: unknown, logger?: Logger): number {
  if (err instanceof KafkaError) return err.code;
  if (err instanceof UnknownTopicError || err instanceof UnknownPartitionError) {
    return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  }
  if (err instanceof TopicExistsError || (err instanceof AttachmentExistsError && err.kind === 'view')) return ErrorCode.TOPIC_ALREADY_EXISTS;
  // A topic that views read or a check guards is not deleted; a policy of this cluster, not a retry.
  if (err instanceof TopicInUseError || err instanceof AttachmentExistsError) return ErrorCode.POLICY_VIOLATION;
  if (err instanceof UnknownAttachmentError) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  if (err instanceof InvalidTopicError) return ErrorCode.INVALID_TOPIC_EXCEPTION;
  if (err instanceof InvalidPartitionsError) return ErrorCode.INVALID_PARTITIONS;
  if (err instanceof OffsetOutOfRangeError) return ErrorCode.OFFSET_OUT_OF_RANGE;
  if (err instanceof RecordTooLargeError) return ErrorCode.MESSAGE_TOO_LARGE;
  if (err instanceof CorruptRecordError) return ErrorCode.CORRUPT_MESSAGE;
  if (err instanceof OutOfOrderSequenceError) return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
  if (err instanceof InvalidProducerEpochError) return ErrorCode.INVALID_PRODUCER_EPOCH;
  if (err instanceof UnknownProducerIdError) return ErrorCode.UNKNOWN_PRODUCER_ID;
  // Fenced or closed: this broker no longer leads; the client refreshes metadata and retries.
  if (err instanceof FencedError || err instanceof LogClosedError) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (err instanceof ViewHaltedError) {
    logger?.debug({ err: err.message }, 'fetch on a halted view');
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
  if (err instanceof StorageError) {
    logger?.warn({ err: err.message }, 'storage error');
    return ErrorCode.KAFKA_STORAGE_ERROR;
  }
  logger?.error({ err }, 'unexpected error in handler');
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

/**
 * What a group coordinator answers when a durable write of group state failed: Kafka reports its
 * offsets topic's failures as a coordinator problem, which clients retry (possibly elsewhere).
 */
export function coordinatorErrorCode(err: unknown, logger?: Logger): number {
  const code = errorCodeOf(err, logger);
  if (code === ErrorCode.KAFKA_STORAGE_ERROR) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (code === ErrorCode.NOT_LEADER_OR_FOLLOWER) return ErrorCode.NOT_COORDINATOR;
  return code;
}
