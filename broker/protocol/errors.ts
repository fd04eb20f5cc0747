import { isRetriable } from './error-codes.js';

/**
 * Malformed bytes on the wire: a truncated frame, a length past the end, a bad varint.
 * The server closes the connection that sent them; nothing else is affected.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A Kafka-level failure that maps to exactly one error code in a response. */
export class KafkaError extends Error {
  override readonly name = 'KafkaError';
  readonly code: number;
  readonly retriable: boolean;
  constructor(code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retriable = isRetriable(code);
  }
}
