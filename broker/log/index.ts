/** The log on object storage: what the handlers, pipelines and CLI may use. */
export { Log, type LogOptions } from './log.js';
export { validateTopicName, DEFAULT_TOPIC_CONFIG } from './topics.js';
export { COMPRESSION_TYPES } from './manifest.js';
export type { AppendResult, CommittedOffset, CompressionType, ReadResult, TopicConfig, TopicInfo } from './types.js';
export {
  LogError,
  UnknownTopicError,
  TopicExistsError,
  InvalidTopicError,
  InvalidPartitionsError,
  UnknownPartitionError,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  CorruptRecordError,
  OutOfOrderSequenceError,
  InvalidProducerEpochError,
  UnknownProducerIdError,
  FencedError,
  StorageError,
  LogClosedError,
  AttachmentExistsError,
  UnknownAttachmentError,
  TopicInUseError,
} from './errors.js';
export type { AttachmentInfo, AttachmentKind, AttachmentErrorPolicy, AttachmentHalt } from './attachments.js';
