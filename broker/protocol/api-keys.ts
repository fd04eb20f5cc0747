/** Kafka API keys (the int16 at the start of every request header). */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  OffsetDelete: 47,
  DescribeCluster: 60,
} as const;

export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];

export interface VersionRange {
  readonly apiKey: ApiKey;
  readonly min: number;
  readonly max: number;
}

/**
 * The ONE table of what sluice implements and ApiVersions advertises. The ranges are what
 * kafkajs 2.2, librdkafka 2.0 and kafka-python 2.0 accept. A flexible version (compact encodings,
 * tagged fields) is listed only where its codec implements it: ApiVersions v3, ListOffsets v6-7
 * (v7 brings max_timestamp, -3), IncrementalAlterConfigs v1 and DescribeCluster v0 (which has no
 * other version); the admin APIs otherwise stop before their first flexible version.
 *
 * Minimum versions matter to librdkafka 2.0, which derives features from them (seen with
 * `kcat -d feature`): it compresses with gzip/snappy/lz4 only if Produce v0 is supported
 * ("Broker does not support compression type gzip: not compressing batch"), and it enables
 * balanced consumer groups only if JoinGroup/SyncGroup/Heartbeat/LeaveGroup v0 are supported.
 * Hence Produce from v0 (v0-2 requests carry magic 0/1 batches, refused per partition; v8 brings
 * record_errors, which name the records a produce check refused) and the
 * group APIs from v0.
 */
export const SUPPORTED_VERSIONS: readonly VersionRange[] = [
  { apiKey: ApiKey.Produce, min: 0, max: 8 },
  { apiKey: ApiKey.Fetch, min: 4, max: 11 },
  { apiKey: ApiKey.ListOffsets, min: 1, max: 7 },
  { apiKey: ApiKey.Metadata, min: 0, max: 8 },
  { apiKey: ApiKey.OffsetCommit, min: 2, max: 7 },
  { apiKey: ApiKey.OffsetFetch, min: 1, max: 5 },
  { apiKey: ApiKey.FindCoordinator, min: 0, max: 2 },
  { apiKey: ApiKey.JoinGroup, min: 0, max: 5 },
  { apiKey: ApiKey.Heartbeat, min: 0, max: 3 },
  { apiKey: ApiKey.LeaveGroup, min: 0, max: 3 },
  { apiKey: ApiKey.SyncGroup, min: 0, max: 3 },
  { apiKey: ApiKey.DescribeGroups, min: 0, max: 4 },
  { apiKey: ApiKey.ListGroups, min: 0, max: 2 },
  { apiKey: ApiKey.ApiVersions, min: 0, max: 3 },
  { apiKey: ApiKey.CreateTopics, min: 0, max: 4 },
  { apiKey: ApiKey.DeleteTopics, min: 0, max: 3 },
  { apiKey: ApiKey.InitProducerId, min: 0, max: 1 },
  { apiKey: ApiKey.DescribeConfigs, min: 0, max: 2 },
  { apiKey: ApiKey.AlterConfigs, min: 0, max: 1 },
  { apiKey: ApiKey.IncrementalAlterConfigs, min: 0, max: 1 },
  { apiKey: ApiKey.CreatePartitions, min: 0, max: 1 },
  { apiKey: ApiKey.DeleteRecords, min: 0, max: 1 },
  { apiKey: ApiKey.DeleteGroups, min: 0, max: 1 },
  { apiKey: ApiKey.OffsetDelete, min: 0, max: 0 },
  { apiKey: ApiKey.DescribeCluster, min: 0, max: 0 },
];

/**
 * First flexible (compact + tagged fields) version of each API, from Kafka's message schemas.
 * Used to pick header versions.
 */
const FIRST_FLEXIBLE_VERSION: Readonly<Record<ApiKey, number>> = {
  [ApiKey.Produce]: 9,
  [ApiKey.Fetch]: 12,
  [ApiKey.ListOffsets]: 6,
  [ApiKey.Metadata]: 9,
  [ApiKey.OffsetCommit]: 8,
  [ApiKey.OffsetFetch]: 6,
  [ApiKey.FindCoordinator]: 3,
  [ApiKey.JoinGroup]: 6,
  [ApiKey.Heartbeat]: 4,
  [ApiKey.LeaveGroup]: 4,
  [ApiKey.SyncGroup]: 4,
  [ApiKey.DescribeGroups]: 5,
  [ApiKey.ListGroups]: 3,
  [ApiKey.ApiVersions]: 3,
  [ApiKey.CreateTopics]: 5,
  [ApiKey.DeleteTopics]: 4,
  [ApiKey.InitProducerId]: 2,
  [ApiKey.DescribeConfigs]: 4,
  [ApiKey.DeleteRecords]: 2,
  [ApiKey.AlterConfigs]: 2,
  [ApiKey.CreatePartitions]: 2,
  [ApiKey.DeleteGroups]: 2,
  [ApiKey.IncrementalAlterConfigs]: 1,
  // OffsetDelete has no flexible version.
  [ApiKey.OffsetDelete]: Number.POSITIVE_INFINITY,
  [ApiKey.DescribeCluster]: 0,
};

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(ApiKey).map(([name, key]) => [key, name]));

export function isKnownApiKey(apiKey: number): apiKey is ApiKey {
  return NAMES.has(apiKey);
}

export function apiName(apiKey: number): string {
  return NAMES.get(apiKey) ?? `Unknown(${apiKey})`;
}

export function isFlexible(apiKey: number, version: number): boolean {
  if (!isKnownApiKey(apiKey)) return false;
  return version >= FIRST_FLEXIBLE_VERSION[apiKey];
}

export function supportedRange(apiKey: number): VersionRange | undefined {
  return SUPPORTED_VERSIONS.find((v) => v.apiKey === apiKey);
}

export function isSupportedVersion(apiKey: number, version: number): boolean {
  const range = supportedRange(apiKey);
  return range !== undefined && version >= range.min && version <= range.max;
}
