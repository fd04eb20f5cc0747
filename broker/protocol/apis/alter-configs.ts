import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * AlterConfigs Request (Version: 0-1) => [resources] validate_only
 *   resources => resource_type INT8 resource_name STRING [configs]
 *     configs => name STRING value NULLABLE_STRING
 *   validate_only => BOOLEAN
 *
 * AlterConfigs Response (Version: 0-1) => throttle_time_ms [responses]
 *   throttle_time_ms => INT32
 *   responses => error_code INT16 error_message NULLABLE_STRING resource_type INT8 resource_name STRING
 *
 * The configs given replace the resource's whole set: any config not named returns to its default.
 * v1 is v0; v2+ are flexible, not implemented.
 */

export interface AlterableConfig {
  name: string;
  value: string | null;
}

export interface AlterConfigsResource {
  resourceType: number;
  resourceName: string;
  configs: AlterableConfig[];
}

export interface AlterConfigsRequest {
  resources: AlterConfigsResource[];
  validateOnly: boolean;
}

/** One resource's answer; IncrementalAlterConfigs answers the same. */
export interface AlterConfigsResourceResponse {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

export interface AlterConfigsResponse {
  throttleTimeMs: number;
  responses: AlterConfigsResourceResponse[];
}

export function decodeAlterConfigsRequest(r: Reader, version: number): AlterConfigsRequest {
  checkVersion(ApiKey.AlterConfigs, version);
  const resources = r.array((r) => ({
    resourceType: r.int8(),
    resourceName: r.string(),
    configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
  }));
  const validateOnly = r.bool();
  return { resources, validateOnly };
}

export function encodeAlterConfigsRequest(w: Writer, version: number, req: AlterConfigsRequest): void {
  checkVersion(ApiKey.AlterConfigs, version);
  w.array(req.resources, (w, res) => {
    w.int8(res.resourceType).string(res.resourceName).array(res.configs, (w, c) => w.string(c.name).nullableString(c.value));
  });
  w.bool(req.validateOnly);
}

export function encodeAlterConfigsResponse(w: Writer, version: number, res: AlterConfigsResponse): void {
  checkVersion(ApiKey.AlterConfigs, version);
  w.int32(res.throttleTimeMs);
  w.array(res.responses, (w, r) => w.int16(r.errorCode).nullableString(r.errorMessage).int8(r.resourceType).string(r.resourceName));
}

export function decodeAlterConfigsResponse(r: Reader, version: number): AlterConfigsResponse {
  checkVersion(ApiKey.AlterConfigs, version);
  const throttleTimeMs = r.int32();
  const responses = r.array((r) => ({ errorCode: r.int16(), errorMessage: r.nullableString(), resourceType: r.int8(), resourceName: r.string() }));
  return { throttleTimeMs, responses };
}
