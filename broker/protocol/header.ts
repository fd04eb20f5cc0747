import { isFlexible, ApiKey } from './api-keys.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/*
 * Request Header v1 => request_api_key request_api_version correlation_id client_id
 *   request_api_key => INT16
 *   request_api_version => INT16
 *   correlation_id => INT32
 *   client_id => NULLABLE_STRING
 * Request Header v2 => v1 fields, then TAG_BUFFER (client_id stays a classic nullable string)
 *
 * Response Header v0 => correlation_id (INT32)
 * Response Header v1 => correlation_id TAG_BUFFER
 * ApiVersions answers with header v0 at every version, so a client that sent a version we do
 * not know can still read our UNSUPPORTED_VERSION reply.
 */

export interface RequestHeaderPrefix {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

export interface RequestHeader extends RequestHeaderPrefix {
  clientId: string | null;
}

/**
 * The three fields every request header version shares. Read these first, so the server can
 * answer UNSUPPORTED_VERSION (or close) before it trusts anything version-dependent.
 */
export function decodeRequestHeaderPrefix(r: Reader): RequestHeaderPrefix {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  return { apiKey, apiVersion, correlationId };
}

/** The rest of the header after the prefix: client id, and tagged fields for flexible versions. */
export function decodeRequestHeaderRest(r: Reader, prefix: RequestHeaderPrefix): RequestHeader {
  const clientId = r.nullableString();
  if (isFlexible(prefix.apiKey, prefix.apiVersion)) r.taggedFields();
  return { ...prefix, clientId };
}

export function decodeRequestHeader(r: Reader): RequestHeader {
  return decodeRequestHeaderRest(r, decodeRequestHeaderPrefix(r));
}

export function encodeRequestHeader(w: Writer, h: RequestHeader): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId).nullableString(h.clientId);
  if (isFlexible(h.apiKey, h.apiVersion)) w.taggedFields();
}

/** Response header version: 1 for flexible versions, except ApiVersions which always uses 0. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(apiKey, apiVersion) ? 1 : 0;
}

export function encodeResponseHeader(w: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  w.int32(correlationId);
  if (responseHeaderVersion(apiKey, apiVersion) === 1) w.taggedFields();
}

export function decodeResponseHeader(r: Reader, apiKey: number, apiVersion: number): { correlationId: number } {
  const correlationId = r.int32();
  if (responseHeaderVersion(apiKey, apiVersion) === 1) r.taggedFields();
  return { correlationId };
}
