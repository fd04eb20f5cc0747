import { ApiKey } from '../api-keys.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { AUTHORIZED_OPERATIONS_OMITTED, checkVersion } from './version-check.js';

/*
 * Metadata Request (Version: 0) => [topics]
 *   topics => name STRING            (an empty array means all topics in v0)
 * Metadata Request (Version: 1-3) => [topics]   (nullable: null means all topics, empty means none)
 * Metadata Request (Version: 4-7) => [topics] allow_auto_topic_creation BOOLEAN
 * Metadata Request (Version: 8) => [topics] allow_auto_topic_creation
 *                                  include_cluster_authorized_operations BOOLEAN
 *                                  include_topic_authorized_operations BOOLEAN
 *
 * Metadata Response (Version: 0) => [brokers] [topics]
 *   brokers => node_id INT32 host STRING port INT32
 *   topics => error_code INT16 name STRING [partitions]
 *     partitions => error_code INT16 partition_index INT32 leader_id INT32 [replica_nodes INT32] [isr_nodes INT32]
 * Version 1: brokers += rack NULLABLE_STRING; controller_id INT32 after brokers; topics += is_internal BOOLEAN after name
 * Version 2: cluster_id NULLABLE_STRING between brokers and controller_id
 * Version 3: throttle_time_ms INT32 first
 * Version 5: partitions += [offline_replicas INT32] at the end
 * Version 7: partitions += leader_epoch INT32 after leader_id
 * Version 8: topics += topic_authorized_operations INT32 at the end; cluster_authorized_operations INT32 last
 *
 * v8 in full: throttle_time_ms [brokers node_id host port rack] cluster_id controller_id
 *   [topics error_code name is_internal
 *     [partitions error_code partition_index leader_id leader_epoch [replica_nodes] [isr_nodes] [offline_replicas]]
 *     topic_authorized_operations]
 *   cluster_authorized_operations
 */

export interface MetadataRequestTopic {
  name: string;
}

export interface MetadataRequest {
  /** null: all topics; []: none (v1+ only: v0 cannot say "none", an empty v0 list means all). */
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation: boolean;
  includeClusterAuthorizedOperations: boolean;
  includeTopicAuthorizedOperations: boolean;
}

export interface MetadataResponseBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface MetadataResponsePartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface MetadataResponseTopic {
  errorCode: number;
  name: string;
  isInternal: boolean;
  partitions: MetadataResponsePartition[];
  topicAuthorizedOperations: number;
}

export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: MetadataResponseBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataResponseTopic[];
  clusterAuthorizedOperations: number;
}

export function decodeMetadataRequest(r: Reader, version: number): MetadataRequest {
  checkVersion(ApiKey.Metadata, version);
  let topics: MetadataRequestTopic[] | null;
  if (version === 0) {
    const list = r.array((r) => ({ name: r.string() }));
    topics = list.length === 0 ? null : list;
  } else {
    topics = r.nullableArray((r) => ({ name: r.string() }));
  }
  // Before v4 the broker always auto-created; sluice treats the absent flag as true, as Kafka does.
  const allowAutoTopicCreation = version >= 4 ? r.bool() : true;
  const includeClusterAuthorizedOperations = version >= 8 ? r.bool() : false;
  const includeTopicAuthorizedOperations = version >= 8 ? r.bool() : false;
  return { topics, allowAutoTopicCreation, includeClusterAuthorizedOperations, includeTopicAuthorizedOperations };
}

export function encodeMetadataRequest(w: Writer, version: number, req: MetadataRequest): void {
  checkVersion(ApiKey.Metadata, version);
  const write = (w: Writer, t: MetadataRequestTopic): void => {
    w.string(t.name);
  };
  if (version === 0) w.array(req.topics ?? [], write);
  else w.nullableArray(req.topics, write);
  if (version >= 4) w.bool(req.allowAutoTopicCreation);
  if (version >= 8) w.bool(req.includeClusterAuthorizedOperations).bool(req.includeTopicAuthorizedOperations);
}

export function encodeMetadataResponse(w: Writer, version: number, res: MetadataResponse): void {
  checkVersion(ApiKey.Metadata, version);
  if (version >= 3) w.int32(res.throttleTimeMs);
  w.array(res.brokers, (w, b) => {
    w.int32(b.nodeId).string(b.host).int32(b.port);
    if (version >= 1) w.nullableString(b.rack);
  });
  if (version >= 2) w.nullableString(res.clusterId);
  if (version >= 1) w.int32(res.controllerId);
  w.array(res.topics, (w, t) => {
    w.int16(t.errorCode).string(t.name);
    if (version >= 1) w.bool(t.isInternal);
    w.array(t.partitions, (w, p) => {
      w.int16(p.errorCode).int32(p.partitionIndex).int32(p.leaderId);
      if (version >= 7) w.int32(p.leaderEpoch);
      w.array(p.replicaNodes, (w, v) => w.int32(v));
      w.array(p.isrNodes, (w, v) => w.int32(v));
      if (version >= 5) w.array(p.offlineReplicas, (w, v) => w.int32(v));
    });
    if (version >= 8) w.int32(t.topicAuthorizedOperations);
  });
  if (version >= 8) w.int32(res.clusterAuthorizedOperations);
}

export function decodeMetadataResponse(r: Reader, version: number): MetadataResponse {
  checkVersion(ApiKey.Metadata, version);
  const throttleTimeMs = version >= 3 ? r.int32() : 0;
  const brokers = r.array((r) => ({
    nodeId: r.int32(),
    host: r.string(),
    port: r.int32(),
    rack: version >= 1 ? r.nullableString() : null,
  }));
  const clusterId = version >= 2 ? r.nullableString() : null;
  const controllerId = version >= 1 ? r.int32() : -1;
  const topics = r.array((r) => ({
    errorCode: r.int16(),
    name: r.string(),
    isInternal: version >= 1 ? r.bool() : false,
    partitions: r.array((r) => ({
      errorCode: r.int16(),
      partitionIndex: r.int32(),
      leaderId: r.int32(),
      leaderEpoch: version >= 7 ? r.int32() : -1,
      replicaNodes: r.array((r) => r.int32()),
      isrNodes: r.array((r) => r.int32()),
      offlineReplicas: version >= 5 ? r.array((r) => r.int32()) : [],
    })),
    topicAuthorizedOperations: version >= 8 ? r.int32() : AUTHORIZED_OPERATIONS_OMITTED,
  }));
  const clusterAuthorizedOperations = version >= 8 ? r.int32() : AUTHORIZED_OPERATIONS_OMITTED;
  return { throttleTimeMs, brokers, clusterId, controllerId, topics, clusterAuthorizedOperations };
}
