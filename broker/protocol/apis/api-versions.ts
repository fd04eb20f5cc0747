import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * ApiVersions Request (Version: 0-2) => (empty)
 * ApiVersions Request (Version: 3) => client_software_name client_software_version TAG_BUFFER
 *   client_software_name => COMPACT_STRING
 *   client_software_version => COMPACT_STRING
 *
 * ApiVersions Response (Version: 0) => error_code [api_keys]
 *   error_code => INT16
 *   api_keys => api_key min_version max_version
 *     api_key => INT16
 *     min_version => INT16
 *     max_version => INT16
 * ApiVersions Response (Version: 1-2) => error_code [api_keys] throttle_time_ms
 *   throttle_time_ms => INT32
 * ApiVersions Response (Version: 3) => error_code [api_keys TAG_BUFFER] (compact) throttle_time_ms TAG_BUFFER
 *   (tagged fields supported_features / finalized_features are not sent and skipped when read)
 *
 * The response header is v0 at every version (see header.ts).
 */

export interface ApiVersionsRequest {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

export interface ApiVersionsResponseKey {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: ApiVersionsResponseKey[];
  throttleTimeMs: number;
}

export function decodeApiVersionsRequest(r: Reader, version: number): ApiVersionsRequest {
  checkVersion(ApiKey.ApiVersions, version);
  if (version < 3) return { clientSoftwareName: '', clientSoftwareVersion: '' };
  const clientSoftwareName = r.compactString();
  const clientSoftwareVersion = r.compactString();
  r.taggedFields();
  return { clientSoftwareName, clientSoftwareVersion };
}

export function encodeApiVersionsRequest(w: Writer, version: number, req: ApiVersionsRequest): void {
  checkVersion(ApiKey.ApiVersions, version);
  if (version < 3) return;
  w.compactString(req.clientSoftwareName).compactString(req.clientSoftwareVersion).taggedFields();
}

export function encodeApiVersionsResponse(w: Writer, version: number, res: ApiVersionsResponse): void {
  checkVersion(ApiKey.ApiVersions, version);
  w.int16(res.errorCode);
  if (version >= 3) {
    w.compactArray(res.apiKeys, (w, k) => {
      w.int16(k.apiKey).int16(k.minVersion).int16(k.maxVersion).taggedFields();
    });
    w.int32(res.throttleTimeMs).taggedFields();
    return;
  }
  w.array(res.apiKeys, (w, k) => {
    w.int16(k.apiKey).int16(k.minVersion).int16(k.maxVersion);
  });
  if (version >= 1) w.int32(res.throttleTimeMs);
}

/**
 * The body a broker sends when it cannot parse the requested ApiVersions version: error 35 and
 * no keys in the v0 layout (`00 23 00 00 00 00`), which every client reads before retrying lower.
 */
export function encodeApiVersionsUnsupportedResponse(w: Writer, errorCode: number): void {
  w.int16(errorCode).int32(0);
}

export function decodeApiVersionsResponse(r: Reader, version: number): ApiVersionsResponse {
  checkVersion(ApiKey.ApiVersions, version);
  const errorCode = r.int16();
  if (version >= 3) {
    const apiKeys = r.compactArray((r) => {
      const k = { apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() };
      r.taggedFields();
      return k;
    });
    const throttleTimeMs = r.int32();
    r.taggedFields();
    return { errorCode, apiKeys, throttleTimeMs };
  }
  const apiKeys = r.array((r) => ({ apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() }));
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  return { errorCode, apiKeys, throttleTimeMs };
}
