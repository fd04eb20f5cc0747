import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * DeleteTopics Request (Version: 0-3) => [topic_names STRING] timeout_ms INT32
 *
 * DeleteTopics Response (Version: 0) => [responses]
 *   responses => name STRING error_code INT16
 * Version 1-3: throttle_time_ms INT32 first
 */

export interface DeleteTopicsRequest {
  topicNames: string[];
  timeoutMs: number;
}

export interface DeletableTopicResult {
  name: string;
  errorCode: number;
}

export interface DeleteTopicsResponse {
  throttleTimeMs: number;
  responses: DeletableTopicResult[];
}

export function decodeDeleteTopicsRequest(r: Reader, version: number): DeleteTopicsRequest {
  checkVersion(ApiKey.DeleteTopics, version);
  const topicNames = r.array((r) => r.string());
  const timeoutMs = r.int32();
  return { topicNames, timeoutMs };
}

export function encodeDeleteTopicsRequest(w: Writer, version: number, req: DeleteTopicsRequest): void {
  checkVersion(ApiKey.DeleteTopics, version);
  w.array(req.topicNames, (w, n) => w.string(n)).int32(req.timeoutMs);
}

export function encodeDeleteTopicsResponse(w: Writer, version: number, res: DeleteTopicsResponse): void {
  checkVersion(ApiKey.DeleteTopics, version);
  if (version >= 1) w.int32(res.throttleTimeMs);
  w.array(res.responses, (w, t) => w.string(t.name).int16(t.errorCode));
}

export function decodeDeleteTopicsResponse(r: Reader, version: number): DeleteTopicsResponse {
  checkVersion(ApiKey.DeleteTopics, version);
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  const responses = r.array((r) => ({ name: r.string(), errorCode: r.int16() }));
  return { throttleTimeMs, responses };
}
