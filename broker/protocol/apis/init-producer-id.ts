import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * InitProducerId Request (Version: 0-1) => transactional_id NULLABLE_STRING transaction_timeout_ms INT32
 *
 * InitProducerId Response (Version: 0-1) => throttle_time_ms INT32 error_code INT16
 *   producer_id INT64 producer_epoch INT16
 */

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
}

export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export function decodeInitProducerIdRequest(r: Reader, version: number): InitProducerIdRequest {
  checkVersion(ApiKey.InitProducerId, version);
  return { transactionalId: r.nullableString(), transactionTimeoutMs: r.int32() };
}

export function encodeInitProducerIdRequest(w: Writer, version: number, req: InitProducerIdRequest): void {
  checkVersion(ApiKey.InitProducerId, version);
  w.nullableString(req.transactionalId).int32(req.transactionTimeoutMs);
}

export function encodeInitProducerIdResponse(w: Writer, version: number, res: InitProducerIdResponse): void {
  checkVersion(ApiKey.InitProducerId, version);
  w.int32(res.throttleTimeMs).int16(res.errorCode).int64(res.producerId).int16(res.producerEpoch);
}

export function decodeInitProducerIdResponse(r: Reader, version: number): InitProducerIdResponse {
  checkVersion(ApiKey.InitProducerId, version);
  return { throttleTimeMs: r.int32(), errorCode: r.int16(), producerId: r.int64(), producerEpoch: r.int16() };
}
