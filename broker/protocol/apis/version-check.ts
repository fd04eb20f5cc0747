import { apiName, supportedRange, type ApiKey } from '../api-keys.js';
import { ErrorCode } from '../error-codes.js';
import { KafkaError } from '../errors.js';

/** Throws UNSUPPORTED_VERSION for a version outside the table; codecs call it before any byte. */
export function checkVersion(apiKey: ApiKey, version: number): void {
  const range = supportedRange(apiKey);
  if (range === undefined || !Number.isInteger(version) || version < range.min || version > range.max) {
    throw new KafkaError(
      ErrorCode.UNSUPPORTED_VERSION,
      `${apiName(apiKey)} v${version} is not supported` + (range ? ` (supported ${range.min}-${range.max})` : ''),
    );
  }
}

/** Kafka's "not requested" value for *_authorized_operations fields. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
