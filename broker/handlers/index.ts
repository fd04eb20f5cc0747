/** The handler table the server dispatches on: one entry per API in SUPPORTED_VERSIONS. */
import { ApiKey } from '../protocol/api-keys.js';
import type { HandlerTable } from '../server/handler.js';
import { handleAlterConfigs, handleIncrementalAlterConfigs } from './alter-configs.js';
import { handleApiVersions } from './api-versions.js';
import type { HandlerContext } from './context.js';
import { handleCreatePartitions } from './create-partitions.js';
import { handleCreateTopics } from './create-topics.js';
import { handleDeleteGroups, handleOffsetDelete } from './delete-groups.js';
import { handleDeleteRecords } from './delete-records.js';
import { handleDeleteTopics } from './delete-topics.js';
import { handleDescribeCluster } from './describe-cluster.js';
import { handleDescribeConfigs } from './describe-configs.js';
import { handleDescribeGroups } from './describe-groups.js';
import { handleFetch } from './fetch.js';
import { handleFindCoordinator } from './find-coordinator.js';
import { handleHeartbeat } from './heartbeat.js';
import { handleInitProducerId } from './init-producer-id.js';
import { handleJoinGroup } from './join-group.js';
import { handleLeaveGroup } from './leave-group.js';
import { handleListGroups } from './list-groups.js';
import { handleListOffsets } from './list-offsets.js';
import { handleMetadata } from './metadata.js';
import { handleOffsetCommit } from './offset-commit.js';
import { handleOffsetFetch } from './offset-fetch.js';
import { handleProduce } from './produce.js';
import { handleSyncGroup } from './sync-group.js';

export type { BrokerIdentity, HandlerContext, HandlerLog } from './context.js';
export { errorCodeOf } from './errors.js';

export function createHandlers(ctx: HandlerContext): HandlerTable {
  return {
    [ApiKey.ApiVersions]: (req) => handleApiVersions(req),
    [ApiKey.Metadata]: (req) => handleMetadata(ctx, req),
    [ApiKey.Produce]: (req) => handleProduce(ctx, req),
    [ApiKey.Fetch]: (req, rc) => handleFetch(ctx, req, rc.signal, rc.apiVersion),
    [ApiKey.ListOffsets]: (req, rc) => handleListOffsets(ctx, req, rc.apiVersion),
    [ApiKey.CreateTopics]: (req) => handleCreateTopics(ctx, req),
    [ApiKey.DeleteTopics]: (req) => handleDeleteTopics(ctx, req),
    [ApiKey.DescribeConfigs]: (req) => handleDescribeConfigs(ctx, req),
    [ApiKey.InitProducerId]: (req) => handleInitProducerId(ctx, req),
    [ApiKey.FindCoordinator]: (req) => handleFindCoordinator(ctx, req),
    [ApiKey.JoinGroup]: (req, rc) => handleJoinGroup(ctx, req, rc),
    [ApiKey.SyncGroup]: (req) => handleSyncGroup(ctx, req),
    [ApiKey.Heartbeat]: (req) => handleHeartbeat(ctx, req),
    [ApiKey.LeaveGroup]: (req, rc) => handleLeaveGroup(ctx, req, rc),
    [ApiKey.OffsetCommit]: (req) => handleOffsetCommit(ctx, req),
    [ApiKey.OffsetFetch]: (req) => handleOffsetFetch(ctx, req),
    [ApiKey.DescribeGroups]: (req) => handleDescribeGroups(ctx, req),
    [ApiKey.ListGroups]: () => handleListGroups(ctx),
    [ApiKey.CreatePartitions]: (req) => handleCreatePartitions(ctx, req),
    [ApiKey.DeleteRecords]: (req) => handleDeleteRecords(ctx, req),
    [ApiKey.AlterConfigs]: (req) => handleAlterConfigs(ctx, req),
    [ApiKey.IncrementalAlterConfigs]: (req) => handleIncrementalAlterConfigs(ctx, req),
    [ApiKey.DeleteGroups]: (req) => handleDeleteGroups(ctx, req),
    [ApiKey.OffsetDelete]: (req) => handleOffsetDelete(ctx, req),
    [ApiKey.DescribeCluster]: (req) => handleDescribeCluster(ctx, req),
  };
}
