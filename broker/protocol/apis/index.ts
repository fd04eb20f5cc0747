import { ApiKey, supportedRange } from '../api-keys.js';
import { ProtocolError } from '../errors.js';
import { decodeResponseHeader, encodeRequestHeader, encodeResponseHeader, type RequestHeader } from '../header.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import * as apiVersions from './api-versions.js';
import * as alterConfigs from './alter-configs.js';
import * as createPartitions from './create-partitions.js';
import * as deleteGroups from './delete-groups.js';
import * as deleteRecords from './delete-records.js';
import * as describeCluster from './describe-cluster.js';
import * as incrementalAlterConfigs from './incremental-alter-configs.js';
import * as offsetDelete from './offset-delete.js';
import * as createTopics from './create-topics.js';
import * as deleteTopics from './delete-topics.js';
import * as describeConfigs from './describe-configs.js';
import * as describeGroups from './describe-groups.js';
import * as fetch from './fetch.js';
import * as findCoordinator from './find-coordinator.js';
import * as heartbeat from './heartbeat.js';
import * as initProducerId from './init-producer-id.js';
import * as joinGroup from './join-group.js';
import * as leaveGroup from './leave-group.js';
import * as listGroups from './list-groups.js';
import * as listOffsets from './list-offsets.js';
import * as metadata from './metadata.js';
import * as offsetCommit from './offset-commit.js';
import * as offsetFetch from './offset-fetch.js';
import * as produce from './produce.js';
import * as syncGroup from './sync-group.js';

/** Request and response types of every API sluice implements, by key. */
export interface ApiMessages {
  [ApiKey.ApiVersions]: { request: apiVersions.ApiVersionsRequest; response: apiVersions.ApiVersionsResponse };
  [ApiKey.Metadata]: { request: metadata.MetadataRequest; response: metadata.MetadataResponse };
  [ApiKey.Produce]: { request: produce.ProduceRequest; response: produce.ProduceResponse };
  [ApiKey.Fetch]: { request: fetch.FetchRequest; response: fetch.FetchResponse };
  [ApiKey.ListOffsets]: { request: listOffsets.ListOffsetsRequest; response: listOffsets.ListOffsetsResponse };
  [ApiKey.OffsetCommit]: { request: offsetCommit.OffsetCommitRequest; response: offsetCommit.OffsetCommitResponse };
  [ApiKey.OffsetFetch]: { request: offsetFetch.OffsetFetchRequest; response: offsetFetch.OffsetFetchResponse };
  [ApiKey.FindCoordinator]: { request: findCoordinator.FindCoordinatorRequest; response: findCoordinator.FindCoordinatorResponse };
  [ApiKey.JoinGroup]: { request: joinGroup.JoinGroupRequest; response: joinGroup.JoinGroupResponse };
  [ApiKey.Heartbeat]: { request: heartbeat.HeartbeatRequest; response: heartbeat.HeartbeatResponse };
  [ApiKey.LeaveGroup]: { request: leaveGroup.LeaveGroupRequest; response: leaveGroup.LeaveGroupResponse };
  [ApiKey.SyncGroup]: { request: syncGroup.SyncGroupRequest; response: syncGroup.SyncGroupResponse };
  [ApiKey.DescribeGroups]: { request: describeGroups.DescribeGroupsRequest; response: describeGroups.DescribeGroupsResponse };
  [ApiKey.ListGroups]: { request: listGroups.ListGroupsRequest; response: listGroups.ListGroupsResponse };
  [ApiKey.CreateTopics]: { request: createTopics.CreateTopicsRequest; response: createTopics.CreateTopicsResponse };
  [ApiKey.DeleteTopics]: { request: deleteTopics.DeleteTopicsRequest; response: deleteTopics.DeleteTopicsResponse };
  [ApiKey.InitProducerId]: { request: initProducerId.InitProducerIdRequest; response: initProducerId.InitProducerIdResponse };
  [ApiKey.DescribeConfigs]: { request: describeConfigs.DescribeConfigsRequest; response: describeConfigs.DescribeConfigsResponse };
  [ApiKey.AlterConfigs]: { request: alterConfigs.AlterConfigsRequest; response: alterConfigs.AlterConfigsResponse };
  [ApiKey.CreatePartitions]: { request: createPartitions.CreatePartitionsRequest; response: createPartitions.CreatePartitionsResponse };
  [ApiKey.DeleteGroups]: { request: deleteGroups.DeleteGroupsRequest; response: deleteGroups.DeleteGroupsResponse };
  [ApiKey.DeleteRecords]: { request: deleteRecords.DeleteRecordsRequest; response: deleteRecords.DeleteRecordsResponse };
  [ApiKey.DescribeCluster]: { request: describeCluster.DescribeClusterRequest; response: describeCluster.DescribeClusterResponse };
  [ApiKey.IncrementalAlterConfigs]: { request: incrementalAlterConfigs.IncrementalAlterConfigsRequest; response: incrementalAlterConfigs.IncrementalAlterConfigsResponse };
  [ApiKey.OffsetDelete]: { request: offsetDelete.OffsetDeleteRequest; response: offsetDelete.OffsetDeleteResponse };
}

export type ImplementedApiKey = keyof ApiMessages;
export type RequestOf<K extends ImplementedApiKey> = ApiMessages[K]['request'];
export type ResponseOf<K extends ImplementedApiKey> = ApiMessages[K]['response'];

export interface ApiCodec<Req, Res> {
  apiKey: number;
  min: number;
  max: number;
  decodeRequest(r: Reader, version: number): Req;
  encodeRequest(w: Writer, version: number, req: Req): void;
  decodeResponse(r: Reader, version: number): Res;
  encodeResponse(w: Writer, version: number, res: Res): void;
}

function codec<K extends ImplementedApiKey>(
  apiKey: K,
  fns: Omit<ApiCodec<RequestOf<K>, ResponseOf<K>>, 'apiKey' | 'min' | 'max'>,
): ApiCodec<RequestOf<K>, ResponseOf<K>> {
  const range = supportedRange(apiKey);
  if (range === undefined) throw new Error(`api key ${apiKey} has a codec but no entry in SUPPORTED_VERSIONS`);
  return { apiKey, min: range.min, max: range.max, ...fns };
}

/** The dispatch table: ApiKey -> codec with the version range of SUPPORTED_VERSIONS. */
export const CODECS: { readonly [K in ImplementedApiKey]: ApiCodec<RequestOf<K>, ResponseOf<K>> } = {
  [ApiKey.ApiVersions]: codec(ApiKey.ApiVersions, {
    decodeRequest: apiVersions.decodeApiVersionsRequest,
    encodeRequest: apiVersions.encodeApiVersionsRequest,
    decodeResponse: apiVersions.decodeApiVersionsResponse,
    encodeResponse: apiVersions.encodeApiVersionsResponse,
  }),
  [ApiKey.Metadata]: codec(ApiKey.Metadata, {
    decodeRequest: metadata.decodeMetadataRequest,
    encodeRequest: metadata.encodeMetadataRequest,
    decodeResponse: metadata.decodeMetadataResponse,
    encodeResponse: metadata.encodeMetadataResponse,
  }),
  [ApiKey.Produce]: codec(ApiKey.Produce, {
    decodeRequest: produce.decodeProduceRequest,
    encodeRequest: produce.encodeProduceRequest,
    decodeResponse: produce.decodeProduceResponse,
    encodeResponse: produce.encodeProduceResponse,
  }),
  [ApiKey.Fetch]: codec(ApiKey.Fetch, {
    decodeRequest: fetch.decodeFetchRequest,
    encodeRequest: fetch.encodeFetchRequest,
    decodeResponse: fetch.decodeFetchResponse,
    encodeResponse: fetch.encodeFetchResponse,
  }),
  [ApiKey.ListOffsets]: codec(ApiKey.ListOffsets, {
    decodeRequest: listOffsets.decodeListOffsetsRequest,
    encodeRequest: listOffsets.encodeListOffsetsRequest,
    decodeResponse: listOffsets.decodeListOffsetsResponse,
    encodeResponse: listOffsets.encodeListOffsetsResponse,
  }),
  [ApiKey.OffsetCommit]: codec(ApiKey.OffsetCommit, {
    decodeRequest: offsetCommit.decodeOffsetCommitRequest,
    encodeRequest: offsetCommit.encodeOffsetCommitRequest,
    decodeResponse: offsetCommit.decodeOffsetCommitResponse,
    encodeResponse: offsetCommit.encodeOffsetCommitResponse,
  }),
  [ApiKey.OffsetFetch]: codec(ApiKey.OffsetFetch, {
    decodeRequest: offsetFetch.decodeOffsetFetchRequest,
    encodeRequest: offsetFetch.encodeOffsetFetchRequest,
    decodeResponse: offsetFetch.decodeOffsetFetchResponse,
    encodeResponse: offsetFetch.encodeOffsetFetchResponse,
  }),
  [ApiKey.FindCoordinator]: codec(ApiKey.FindCoordinator, {
    decodeRequest: findCoordinator.decodeFindCoordinatorRequest,
    encodeRequest: findCoordinator.encodeFindCoordinatorRequest,
    decodeResponse: findCoordinator.decodeFindCoordinatorResponse,
    encodeResponse: findCoordinator.encodeFindCoordinatorResponse,
  }),
  [ApiKey.JoinGroup]: codec(ApiKey.JoinGroup, {
    decodeRequest: joinGroup.decodeJoinGroupRequest,
    encodeRequest: joinGroup.encodeJoinGroupRequest,
    decodeResponse: joinGroup.decodeJoinGroupResponse,
    encodeResponse: joinGroup.encodeJoinGroupResponse,
  }),
  [ApiKey.Heartbeat]: codec(ApiKey.Heartbeat, {
    decodeRequest: heartbeat.decodeHeartbeatRequest,
    encodeRequest: heartbeat.encodeHeartbeatRequest,
    decodeResponse: heartbeat.decodeHeartbeatResponse,
    encodeResponse: heartbeat.encodeHeartbeatResponse,
  }),
  [ApiKey.LeaveGroup]: codec(ApiKey.LeaveGroup, {
    decodeRequest: leaveGroup.decodeLeaveGroupRequest,
    encodeRequest: leaveGroup.encodeLeaveGroupRequest,
    decodeResponse: leaveGroup.decodeLeaveGroupResponse,
    encodeResponse: leaveGroup.encodeLeaveGroupResponse,
  }),
  [ApiKey.SyncGroup]: codec(ApiKey.SyncGroup, {
    decodeRequest: syncGroup.decodeSyncGroupRequest,
    encodeRequest: syncGroup.encodeSyncGroupRequest,
    decodeResponse: syncGroup.decodeSyncGroupResponse,
    encodeResponse: syncGroup.encodeSyncGroupResponse,
  }),
  [ApiKey.DescribeGroups]: codec(ApiKey.DescribeGroups, {
    decodeRequest: describeGroups.decodeDescribeGroupsRequest,
    encodeRequest: describeGroups.encodeDescribeGroupsRequest,
    decodeResponse: describeGroups.decodeDescribeGroupsResponse,
    encodeResponse: describeGroups.encodeDescribeGroupsResponse,
  }),
  [ApiKey.ListGroups]: codec(ApiKey.ListGroups, {
    decodeRequest: listGroups.decodeListGroupsRequest,
    encodeRequest: listGroups.encodeListGroupsRequest,
    decodeResponse: listGroups.decodeListGroupsResponse,
    encodeResponse: listGroups.encodeListGroupsResponse,
  }),
  [ApiKey.CreateTopics]: codec(ApiKey.CreateTopics, {
    decodeRequest: createTopics.decodeCreateTopicsRequest,
    encodeRequest: createTopics.encodeCreateTopicsRequest,
    decodeResponse: createTopics.decodeCreateTopicsResponse,
    encodeResponse: createTopics.encodeCreateTopicsResponse,
  }),
  [ApiKey.DeleteTopics]: codec(ApiKey.DeleteTopics, {
    decodeRequest: deleteTopics.decodeDeleteTopicsRequest,
    encodeRequest: deleteTopics.encodeDeleteTopicsRequest,
    decodeResponse: deleteTopics.decodeDeleteTopicsResponse,
    encodeResponse: deleteTopics.encodeDeleteTopicsResponse,
  }),
  [ApiKey.InitProducerId]: codec(ApiKey.InitProducerId, {
    decodeRequest: initProducerId.decodeInitProducerIdRequest,
    encodeRequest: initProducerId.encodeInitProducerIdRequest,
    decodeResponse: initProducerId.decodeInitProducerIdResponse,
    encodeResponse: initProducerId.encodeInitProducerIdResponse,
  }),
  [ApiKey.DescribeConfigs]: codec(ApiKey.DescribeConfigs, {
    decodeRequest: describeConfigs.decodeDescribeConfigsRequest,
    encodeRequest: describeConfigs.encodeDescribeConfigsRequest,
    decodeResponse: describeConfigs.decodeDescribeConfigsResponse,
    encodeResponse: describeConfigs.encodeDescribeConfigsResponse,
  }),
  [ApiKey.AlterConfigs]: codec(ApiKey.AlterConfigs, {
    decodeRequest: alterConfigs.decodeAlterConfigsRequest,
    encodeRequest: alterConfigs.encodeAlterConfigsRequest,
    decodeResponse: alterConfigs.decodeAlterConfigsResponse,
    encodeResponse: alterConfigs.encodeAlterConfigsResponse,
  }),
  [ApiKey.CreatePartitions]: codec(ApiKey.CreatePartitions, {
    decodeRequest: createPartitions.decodeCreatePartitionsRequest,
    encodeRequest: createPartitions.encodeCreatePartitionsRequest,
    decodeResponse: createPartitions.decodeCreatePartitionsResponse,
    encodeResponse: createPartitions.encodeCreatePartitionsResponse,
  }),
  [ApiKey.DeleteGroups]: codec(ApiKey.DeleteGroups, {
    decodeRequest: deleteGroups.decodeDeleteGroupsRequest,
    encodeRequest: deleteGroups.encodeDeleteGroupsRequest,
    decodeResponse: deleteGroups.decodeDeleteGroupsResponse,
    encodeResponse: deleteGroups.encodeDeleteGroupsResponse,
  }),
  [ApiKey.DeleteRecords]: codec(ApiKey.DeleteRecords, {
    decodeRequest: deleteRecords.decodeDeleteRecordsRequest,
    encodeRequest: deleteRecords.encodeDeleteRecordsRequest,
    decodeResponse: deleteRecords.decodeDeleteRecordsResponse,
    encodeResponse: deleteRecords.encodeDeleteRecordsResponse,
  }),
  [ApiKey.DescribeCluster]: codec(ApiKey.DescribeCluster, {
    decodeRequest: describeCluster.decodeDescribeClusterRequest,
    encodeRequest: describeCluster.encodeDescribeClusterRequest,
    decodeResponse: describeCluster.decodeDescribeClusterResponse,
    encodeResponse: describeCluster.encodeDescribeClusterResponse,
  }),
  [ApiKey.IncrementalAlterConfigs]: codec(ApiKey.IncrementalAlterConfigs, {
    decodeRequest: incrementalAlterConfigs.decodeIncrementalAlterConfigsRequest,
    encodeRequest: incrementalAlterConfigs.encodeIncrementalAlterConfigsRequest,
    decodeResponse: incrementalAlterConfigs.decodeIncrementalAlterConfigsResponse,
    encodeResponse: incrementalAlterConfigs.encodeIncrementalAlterConfigsResponse,
  }),
  [ApiKey.OffsetDelete]: codec(ApiKey.OffsetDelete, {
    decodeRequest: offsetDelete.decodeOffsetDeleteRequest,
    encodeRequest: offsetDelete.encodeOffsetDeleteRequest,
    decodeResponse: offsetDelete.decodeOffsetDeleteResponse,
    encodeResponse: offsetDelete.encodeOffsetDeleteResponse,
  }),
};

export function isImplementedApiKey(apiKey: number): apiKey is ImplementedApiKey {
  return Object.prototype.hasOwnProperty.call(CODECS, apiKey);
}

/** The codec for a key read off the wire, untyped for generic dispatch. */
export function codecFor(apiKey: number): ApiCodec<unknown, unknown> | undefined {
  return isImplementedApiKey(apiKey) ? (CODECS[apiKey] as unknown as ApiCodec<unknown, unknown>) : undefined;
}

/** A whole frame: an int32 size, then what `write` writes (a header and a body). */
export function sizePrefixedFrame(write: (w: Writer) => void, capacityBytes?: number): Uint8Array {
  const w = new Writer(capacityBytes);
  w.int32(0);
  write(w);
  w.setInt32At(0, w.length - 4);
  return w.toUint8Array();
}

/** A whole request frame: int32 size, request header, body. */
export function encodeRequestFrame<K extends ImplementedApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  req: RequestOf<K>,
): Uint8Array {
  const header: RequestHeader = { apiKey, apiVersion, correlationId, clientId };
  return sizePrefixedFrame((w) => {
    encodeRequestHeader(w, header);
    CODECS[apiKey].encodeRequest(w, apiVersion, req);
  });
}

/** A whole response frame: int32 size, response header, body. */
export function encodeResponseFrame<K extends ImplementedApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  res: ResponseOf<K>,
): Uint8Array {
  return sizePrefixedFrame((w) => {
    encodeResponseHeader(w, apiKey, apiVersion, correlationId);
    CODECS[apiKey].encodeResponse(w, apiVersion, res);
  });
}

/** Decode a whole response frame (with its size prefix); the size must match the bytes exactly. */
export function decodeResponseFrame<K extends ImplementedApiKey>(
  apiKey: K,
  apiVersion: number,
  frame: Uint8Array,
): { correlationId: number; response: ResponseOf<K> } {
  const r = new Reader(frame);
  const size = r.int32();
  if (size !== r.remaining) throw new ProtocolError(`response frame size ${size} does not match its ${r.remaining} bytes`);
  const { correlationId } = decodeResponseHeader(r, apiKey, apiVersion);
  const response = CODECS[apiKey].decodeResponse(r, apiVersion);
  if (r.remaining !== 0) throw new ProtocolError(`${r.remaining} trailing bytes after response`);
  return { correlationId, response };
}
