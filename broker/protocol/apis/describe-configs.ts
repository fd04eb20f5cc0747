import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { checkVersion } from './version-check.js';

/*
 * DescribeConfigs Request (Version: 0) => [resources]
 *   resources => resource_type INT8 resource_name STRING [configuration_keys STRING] (nullable: all keys)
 * Version 1-2: include_synonyms BOOLEAN at the end
 *
 * DescribeConfigs Response (Version: 0) => throttle_time_ms INT32 [results]
 *   results => error_code INT16 error_message NULLABLE_STRING resource_type INT8 resource_name STRING [configs]
 *     configs => name STRING value NULLABLE_STRING read_only BOOLEAN is_default BOOLEAN is_sensitive BOOLEAN
 * Version 1-2: configs => name value read_only config_source INT8 is_sensitive [synonyms]
 *   synonyms => name STRING value NULLABLE_STRING source INT8
 *
 * v0's is_default and v1's config_source carry the same fact: decoding v0 sets configSource to
 * DEFAULT_CONFIG (5) when is_default, else UNKNOWN (0); encoding v0 sends isDefault.
 */

export const ConfigResourceType = { topic: 2, broker: 4 } as const;
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export interface DescribeConfigsResource {
  resourceType: number;
  resourceName: string;
  configurationKeys: string[] | null;
}

export interface DescribeConfigsRequest {
  resources: DescribeConfigsResource[];
  includeSynonyms: boolean;
}

export interface DescribeConfigsSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface DescribeConfigsResourceConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: DescribeConfigsSynonym[];
}

export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: DescribeConfigsResourceConfig[];
}

export interface DescribeConfigsResponse {
  throttleTimeMs: number;
  results: DescribeConfigsResult[];
}

export function decodeDescribeConfigsRequest(r: Reader, version: number): DescribeConfigsRequest {
  checkVersion(ApiKey.DescribeConfigs, version);
  const resources = r.array((r) => ({
    resourceType: r.int8(),
    resourceName: r.string(),
    configurationKeys: r.nullableArray((r) => r.string()),
  }));
  const includeSynonyms = version >= 1 ? r.bool() : false;
  return { resources, includeSynonyms };
}

export function encodeDescribeConfigsRequest(w: Writer, version: number, req: DescribeConfigsRequest): void {
  checkVersion(ApiKey.DescribeConfigs, version);
  w.array(req.resources, (w, res) => {
    w.int8(res.resourceType).string(res.resourceName).nullableArray(res.configurationKeys, (w, k) => w.string(k));
  });
  if (version >= 1) w.bool(req.includeSynonyms);
}

export function encodeDescribeConfigsResponse(w: Writer, version: number, res: DescribeConfigsResponse): void {
  checkVersion(ApiKey.DescribeConfigs, version);
  w.int32(res.throttleTimeMs);
  w.array(res.results, (w, result) => {
    w.int16(result.errorCode).nullableString(result.errorMessage).int8(result.resourceType).string(result.resourceName);
    w.array(result.configs, (w, c) => {
      w.string(c.name).nullableString(c.value).bool(c.readOnly);
      if (version === 0) {
        w.bool(c.isDefault).bool(c.isSensitive);
      } else {
        w.int8(c.configSource).bool(c.isSensitive);
        w.array(c.synonyms, (w, s) => w.string(s.name).nullableString(s.value).int8(s.source));
      }
    });
  });
}

export function decodeDescribeConfigsResponse(r: Reader, version: number): DescribeConfigsResponse {
  checkVersion(ApiKey.DescribeConfigs, version);
  const throttleTimeMs = r.int32();
  const results = r.array((r) => ({
    errorCode: r.int16(),
    errorMessage: r.nullableString(),
    resourceType: r.int8(),
    resourceName: r.string(),
    configs: r.array((r): DescribeConfigsResourceConfig => {
      const name = r.string();
      const value = r.nullableString();
      const readOnly = r.bool();
      if (version === 0) {
        const isDefault = r.bool();
        const isSensitive = r.bool();
        const configSource = isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.UNKNOWN;
        return { name, value, readOnly, isDefault, configSource, isSensitive, synonyms: [] };
      }
      const configSource = r.int8();
      const isSensitive = r.bool();
      const synonyms = r.array((r) => ({ name: r.string(), value: r.nullableString(), source: r.int8() }));
      return { name, value, readOnly, isDefault: configSource === ConfigSource.DEFAULT_CONFIG, configSource, isSensitive, synonyms };
    }),
  }));
  return { throttleTimeMs, results };
}
