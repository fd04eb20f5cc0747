import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import type { AlterConfigsResourceResponse } from './alter-configs.js';
import { readArray, readNullableString, readString, readTags, writeArray, writeNullableString, writeString, writeTags } from './flexible.js';
import { checkVersion } from './version-check.js';

/*
 * IncrementalAlterConfigs Request (Version: 0) => [resources] validate_only
 *   resources => resource_type INT8 resource_name STRING [configs]
 *     configs => name STRING config_operation INT8 value NULLABLE_STRING
 *       config_operation => 0 SET, 1 DELETE (back to the default), 2 APPEND, 3 SUBTRACT (list configs)
 *   validate_only => BOOLEAN
 * Version 1 (flexible): COMPACT_STRING / COMPACT_NULLABLE_STRING, COMPACT_ARRAYs, a TAG_BUFFER after
 *   each config, each resource and the request
 *
 * IncrementalAlterConfigs Response (Version: 0) => throttle_time_ms [responses]
 *   throttle_time_ms => INT32
 *   responses => error_code INT16 error_message NULLABLE_STRING resource_type INT8 resource_name STRING
 * Version 1 (flexible): compact forms, a TAG_BUFFER after each response and the whole
 */

/** The first flexible version. */
const FLEXIBLE_FROM = 1;

export interface IncrementalAlterableConfig {
  name: string;
  configOperation: number;
  value: string | null;
}

export interface IncrementalAlterConfigsResource {
  resourceType: number;
  resourceName: string;
  configs: IncrementalAlterableConfig[];
}

export interface IncrementalAlterConfigsRequest {
  resources: IncrementalAlterConfigsResource[];
  validateOnly: boolean;
}

export interface IncrementalAlterConfigsResponse {
  throttleTimeMs: number;
  responses: AlterConfigsResourceResponse[];
}

export function decodeIncrementalAlterConfigsRequest(r: Reader, version: number): IncrementalAlterConfigsRequest {
  checkVersion(ApiKey.IncrementalAlterConfigs, version);
  const flex = version >= FLEXIBLE_FROM;
  const resources = readArray(r, flex, (r) => {
    const resourceType = r.int8();
    const resourceName = readString(r, flex);
    const configs = readArray(r, flex, (r) => {
      const c = { name: readString(r, flex), configOperation: r.int8(), value: readNullableString(r, flex) };
      readTags(r, flex);
      return c;
    });
    readTags(r, flex);
    return { resourceType, resourceName, configs };
  });
  const validateOnly = r.bool();
  readTags(r, flex);
  return { resources, validateOnly };
}

export function encodeIncrementalAlterConfigsRequest(w: Writer, version: number, req: IncrementalAlterConfigsRequest): void {
  checkVersion(ApiKey.IncrementalAlterConfigs, version);
  const flex = version >= FLEXIBLE_FROM;
  writeArray(w, flex, req.resources, (w, res) => {
    w.int8(res.resourceType);
    writeString(w, flex, res.resourceName);
    writeArray(w, flex, res.configs, (w, c) => {
      writeString(w, flex, c.name);
      w.int8(c.configOperation);
      writeNullableString(w, flex, c.value);
      writeTags(w, flex);
    });
    writeTags(w, flex);
  });
  w.bool(req.validateOnly);
  writeTags(w, flex);
}

export function encodeIncrementalAlterConfigsResponse(w: Writer, version: number, res: IncrementalAlterConfigsResponse): void {
  checkVersion(ApiKey.IncrementalAlterConfigs, version);
  const flex = version >= FLEXIBLE_FROM;
  w.int32(res.throttleTimeMs);
  writeArray(w, flex, res.responses, (w, r) => {
    w.int16(r.errorCode);
    writeNullableString(w, flex, r.errorMessage);
    w.int8(r.resourceType);
    writeString(w, flex, r.resourceName);
    writeTags(w, flex);
  });
  writeTags(w, flex);
}

export function decodeIncrementalAlterConfigsResponse(r: Reader, version: number): IncrementalAlterConfigsResponse {
  checkVersion(ApiKey.IncrementalAlterConfigs, version);
  const flex = version >= FLEXIBLE_FROM;
  const throttleTimeMs = r.int32();
  const responses = readArray(r, flex, (r) => {
    const res = { errorCode: r.int16(), errorMessage: readNullableString(r, flex), resourceType: r.int8(), resourceName: readString(r, flex) };
    readTags(r, flex);
    return res;
  });
  readTags(r, flex);
  return { throttleTimeMs, responses };
}
