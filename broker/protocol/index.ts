/** The Kafka wire protocol: the only code that reads or writes Kafka bytes. */
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export { ProtocolError, KafkaError } from './errors.js';
export { ErrorCode, isRetriable, errorName } from './error-codes.js';
export {
  ApiKey,
  SUPPORTED_VERSIONS,
  apiName,
  isFlexible,
  isKnownApiKey,
  isSupportedVersion,
  supportedRange,
  type VersionRange,
} from './api-keys.js';
export {
  decodeRequestHeader,
  decodeRequestHeaderPrefix,
  decodeRequestHeaderRest,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  responseHeaderVersion,
  type RequestHeader,
  type RequestHeaderPrefix,
} from './header.js';
export * from './record-batch.js';
export { compressionName, inflateRecords } from './codecs/index.js';
export * from './apis/index.js';
export * from './apis/api-versions.js';
export * from './apis/metadata.js';
export * from './apis/produce.js';
export * from './apis/fetch.js';
export * from './apis/list-offsets.js';
export * from './apis/offset-commit.js';
export * from './apis/offset-fetch.js';
export * from './apis/find-coordinator.js';
export * from './apis/join-group.js';
export * from './apis/heartbeat.js';
export * from './apis/leave-group.js';
export * from './apis/sync-group.js';
export * from './apis/describe-groups.js';
export * from './apis/list-groups.js';
export * from './apis/create-topics.js';
export * from './apis/delete-topics.js';
export * from './apis/init-producer-id.js';
export * from './apis/describe-configs.js';
