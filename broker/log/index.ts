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
  StalePipelineCommitError,
} from './errors.js';
export { chainOf, ATTACHMENT_KINDS, type AttachmentInfo, type AttachmentKind, type AttachmentErrorPolicy, type AttachmentHalt, type ChainStep, type PinnedModule } from './attachments.js';
export type { AttachmentSpec, AttachOptions } from './attaching.js';
export type { PipelinePartition, PipelineStep, StateRef } from './pipelines.js';
