import { ErrorCode } from '../error-codes.js';
import { KafkaError } from '../errors.js';

/** Bytes that do not decode as what they claim to be: Kafka's CORRUPT_MESSAGE, the reason as the cause. */
export function corrupt(message: string, cause?: unknown): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, message, cause === undefined ? undefined : { cause });
}

/** A decompression bomb, or a batch too big to look into: refused before the output is allocated. */
export function inflatesPastBound(codec: string, bytes: number | string, maxBytes: number): KafkaError {
  return corrupt(`${codec} records inflate to ${bytes} bytes, past the ${maxBytes}-byte bound on a decompressed batch`);
}
