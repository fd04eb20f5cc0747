import { describe, expect, it } from 'vitest';
import { ApiKey, SUPPORTED_VERSIONS, apiName, isFlexible, isSupportedVersion, supportedRange } from '../../../broker/protocol/api-keys.js';

describe('SUPPORTED_VERSIONS', () => {
  it('lists each key once with min <= max', () => {
    const keys = SUPPORTED_VERSIONS.map((s) => s.apiKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const s of SUPPORTED_VERSIONS) expect(s.min).toBeLessThanOrEqual(s.max);
  });

  it('advertises a flexible version only where its codec implements compact encodings and tags', () => {
    const flexible = SUPPORTED_VERSIONS.flatMap((s) => Array.from({ length: s.max - s.min + 1 }, (_, i) => s.min + i).filter((v) => isFlexible(s.apiKey, v)).map((v) => `${apiName(s.apiKey)} v${v}`));
    expect(flexible).toEqual(['ListOffsets v6', 'ListOffsets v7', 'ApiVersions v3', 'IncrementalAlterConfigs v1', 'DescribeCluster v0']);
  });

  it('advertises the minimums librdkafka needs for compression and balanced groups', () => {
    for (const key of [ApiKey.Produce, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup, ApiKey.FindCoordinator, ApiKey.ApiVersions]) {
      expect(supportedRange(key)?.min).toBe(0);
    }
    expect(supportedRange(ApiKey.Produce)?.max).toBe(8); // zstd needs Produce 7, record_errors Produce 8
    expect(supportedRange(ApiKey.Fetch)?.max).toBeGreaterThanOrEqual(10); // and Fetch 10
  });

  it('answers version questions', () => {
    expect(isSupportedVersion(ApiKey.Fetch, 11)).toBe(true);
    expect(isSupportedVersion(ApiKey.Fetch, 12)).toBe(false);
    expect(isSupportedVersion(999, 0)).toBe(false);
    expect(apiName(ApiKey.OffsetCommit)).toBe('OffsetCommit');
    expect(apiName(999)).toBe('Unknown(999)');
    expect(isFlexible(999, 50)).toBe(false);
  });
});
