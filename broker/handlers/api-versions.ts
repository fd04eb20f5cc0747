import { SUPPORTED_VERSIONS } from '../protocol/api-keys.js';
import type { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/apis/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';

/** Advertises exactly the protocol's SUPPORTED_VERSIONS table, nothing more. */
export function handleApiVersions(_req: ApiVersionsRequest): ApiVersionsResponse {
  return {
    errorCode: ErrorCode.NONE,
    apiKeys: SUPPORTED_VERSIONS.map((v) => ({ apiKey: v.apiKey, minVersion: v.min, maxVersion: v.max })),
    throttleTimeMs: 0,
  };
}
