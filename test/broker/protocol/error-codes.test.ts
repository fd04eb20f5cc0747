import { describe, expect, it } from 'vitest';
import { ErrorCode, errorName, isRetriable } from '../../../broker/protocol/error-codes.js';
import { KafkaError } from '../../../broker/protocol/errors.js';

describe('error codes', () => {
  it('carries Kafka numbers', () => {
    expect(ErrorCode.NONE).toBe(0);
    expect(ErrorCode.UNKNOWN_SERVER_ERROR).toBe(-1);
    expect(ErrorCode.CORRUPT_MESSAGE).toBe(2);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.INVALID_RECORD).toBe(87);
    expect(errorName(45)).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(errorName(12345)).toBe('UNKNOWN(12345)');
  });

  it('marks what a client may retry', () => {
    for (const c of [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.CORRUPT_MESSAGE]) {
      expect(isRetriable(c)).toBe(true);
    }
    for (const c of [ErrorCode.NONE, ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.INVALID_RECORD, ErrorCode.UNSUPPORTED_VERSION]) {
      expect(isRetriable(c)).toBe(false);
    }
    const e = new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'bucket unreachable', { cause: new Error('ECONNRESET') });
    expect([e.code, e.retriable, e.message]).toEqual([56, true, 'bucket unreachable']);
    expect((e.cause as Error).message).toBe('ECONNRESET');
  });
});
