/**
 * What every handler may use: the log, the group coordinator, and who this broker says it is.
 * The log is typed by the subset the handlers call, so handler tests can run on the real Log
 * and nothing here reaches into its internals.
 */
import type { Logger } from 'pino';
import type { GroupCoordinator } from '../groups/index.js';
import type { Log } from '../log/index.js';
import type { BrokerMetrics } from '../metrics.js';
import type { ModuleHost } from '../smartmodules/module-host.js';

export type HandlerLog = Pick<
  Log,
  | 'listTopics'
  | 'getTopic'
  | 'createTopic'
  | 'ensureTopic'
  | 'deleteTopic'
  | 'createPartitions'
  | 'alterTopicConfig'
  | 'deleteRecords'
  | 'append'
  | 'read'
  | 'highWatermark'
  | 'logStartOffset'
  | 'offsetForTimestamp'
  | 'offsetOfMaxTimestamp'
  | 'waitForData'
  | 'allocateProducerId'
  | 'listAttachments'
  | 'getAttachment'
  | 'haltAttachment'
  | 'attach'
  | 'detach'
>;

export interface BrokerIdentity {
  nodeId: number;
  /** The address clients are told to connect to (the actual port when listening on port 0). */
  host: string;
  port: number;
  clusterId: string;
}

export interface HandlerContext {
  log: HandlerLog;
  groups: GroupCoordinator;
  logger: Logger;
  identity: () => BrokerIdentity;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** Present when the broker serves metrics. */
  metrics?: BrokerMetrics;
  /** Runs attached modules: views on fetch, checks on produce. */
  smartmodules: ModuleHost;
}
