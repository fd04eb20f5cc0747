/**
 * The broker, composed: config → object store → Log → group coordinator → Kafka server →
 * (optional) metrics server. Heavy modules (AWS SDK, the metrics HTTP server) are imported only
 * when the config asks for them, so a local broker accepts connections fast.
 */
import { createLogger, type Logger } from './logger.js';
import type { BrokerMetrics } from './metrics.js';
import type { BrokerConfig } from './config.js';
import { FENCED_POLL_INTERVAL_MS, LOG_S3_FLUSH_INTERVAL_MS, LOG_S3_FLUSH_MAX_BYTES, LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT } from './constants.js';
import { GroupCoordinator } from './groups/index.js';
import { createHandlers, type BrokerIdentity } from './handlers/index.js';
import { Log } from './log/index.js';
import { KafkaServer } from './server/index.js';
import { apiName } from './protocol/api-keys.js';
import type { ObjectStore } from './storage/object-store.js';
import { createServer as createHttpServer } from 'node:http';
import { createAdminHandler } from './admin/admin-api.js';
import { ModuleHost } from './smartmodules/module-host.js';
import { PipelineManager } from './pipelines/pipeline-manager.js';

export interface RunningBroker {
  host: string;
  port: number;
  /** Where the bucket is, for the startup line: a directory or s3://bucket/prefix. */
  bucket: string;
  metricsPort?: number;
  log: Log;
  /** The bucket itself, for parts that keep their own objects there (the module registry). */
  store: ObjectStore;
  /** Runs attached modules (views, produce checks); its registry is the bucket's. */
  smartmodules: ModuleHost;
  /** Runs derived topics' pipelines. */
  pipelines: PipelineManager;
  logger: Logger;
  /** Resolves when the log was fenced by a newer broker (the process should exit non-zero). */
  fenced: Promise<void>;
  /** Stop accepting, answer in-flight requests, flush the log, close. Idempotent. */
  close(): Promise<void>;
}

export interface StartBrokerOptions {
  logger?: Logger;
  /** Use this store instead of building one from the config (tests: fault injection). */
  store?: ObjectStore;
}

/** Loopback and wildcard listen addresses are not addresses a client can be sent to. */
function advertisedHost(config: BrokerConfig): string {
  if (config.advertisedHost !== undefined) return config.advertisedHost;
  if (config.host === '0.0.0.0' || config.host === '::') return '127.0.0.1';
  return config.host;
}

async function openStore(config: BrokerConfig): Promise<ObjectStore> {
  if (config.bucket !== undefined) {
    const { createStore } = await import('./storage/store-from-config.js');
    return createStore({ bucket: config.bucket, s3Endpoint: config.s3Endpoint, region: config.s3Region });
  }
  if (config.data !== undefined) {
    const { LocalStore } = await import('./storage/local-store.js');
    return new LocalStore(config.data);
  }
  throw new Error('config: data: give data (a local directory) or bucket (s3://bucket/prefix)');
}

export async function startBroker(config: BrokerConfig, options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, base: { node: config.nodeId } });
  // prom-client and its HTTP server load only when metrics are asked for.
  let metrics: BrokerMetrics | undefined;
  if (config.metricsPort !== undefined) {
    const { createMetrics } = await import('./metrics.js');
    metrics = createMetrics({ processMetrics: true });
  }
  let store = options.store ?? (await openStore(config));
  if (metrics !== undefined) {
    const { CountingStore } = await import('./storage/counting-store.js');
    store = new CountingStore(store, { registry: metrics.registry });
  }
  // On S3 every PUT costs money and ~10-50 ms, so its flush profile trades latency for fewer,
  // larger segments, two in flight; the local-disk defaults live in the Log. Explicit config wins
  // over both.
  const s3 = config.bucket !== undefined;
  const flushMaxBytes = config.flushMaxBytes ?? (s3 ? LOG_S3_FLUSH_MAX_BYTES : undefined);
  const flushIntervalMs = config.flushIntervalMs ?? (s3 ? LOG_S3_FLUSH_INTERVAL_MS : undefined);
  const log = await Log.open({
    store,
    logger,
    brokerId: config.nodeId,
    ...(flushMaxBytes !== undefined ? { flushMaxBytes } : {}),
    ...(flushIntervalMs !== undefined ? { flushIntervalMs } : {}),
    // A PUT takes tens of ms: the next segment goes out while the one ahead commits.
    ...(s3 ? { flushesInFlightMaxCount: LOG_S3_FLUSHES_IN_FLIGHT_MAX_COUNT } : {}),
  });
  const groups = new GroupCoordinator(log);
  const smartmodules = new ModuleHost({ store, logger, ...(metrics !== undefined ? { metrics } : {}) });
  const pipelines = new PipelineManager({ log, host: smartmodules, store, logger, ...(metrics !== undefined ? { metrics } : {}) });
  const adminHttp = createHttpServer(createAdminHandler({ log, host: smartmodules, pipelines, logger }));

  let identity: BrokerIdentity = { nodeId: config.nodeId, host: advertisedHost(config), port: config.port, clusterId: 'sluice' };
  const handlers = createHandlers({
    log,
    groups,
    logger,
    identity: () => identity,
    autoCreateTopics: config.autoCreateTopics,
    defaultPartitions: config.defaultPartitions,
    metrics,
    smartmodules,
  });

  let metricsServer: { port: number; close(): Promise<void> } | undefined;
  let server: KafkaServer;
  try {
    server = new KafkaServer({
      host: config.host,
      port: config.port,
      handlers,
      logger,
      onHttpConnection: (socket) => adminHttp.emit('connection', socket),
      onRequest: metrics === undefined ? undefined : (apiKey, answered) => {
        metrics.requests.inc({ api: apiName(apiKey), outcome: answered ? 'answered' : 'no_response' });
      },
    });
    const addr = await server.listen();
    identity = { ...identity, port: addr.port };
    if (metrics !== undefined && config.metricsPort !== undefined) {
      const { startMetricsServer } = await import('./metrics.js');
      metricsServer = await startMetricsServer({ host: config.host, port: config.metricsPort, registry: metrics.registry });
    }
    // Derived topics' pipelines resume from their committed positions.
    await pipelines.refresh();
  } catch (err) {
    await pipelines.close().catch(() => undefined);
    await smartmodules.close().catch(() => undefined);
    await log.close().catch(() => undefined);
    await store.close?.().catch(() => undefined);
    throw err;
  }

  // The log refuses writes once fenced; the process notices here and exits.
  let fencedTimer: NodeJS.Timeout | undefined;
  const fenced = new Promise<void>((resolve) => {
    fencedTimer = setInterval(() => {
      if (log.fenced) {
        clearInterval(fencedTimer);
        resolve();
      }
    }, FENCED_POLL_INTERVAL_MS);
    fencedTimer.unref();
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(fencedTimer);
      // close() stops reading at once; flushing meanwhile lets produces already read complete
      // instead of waiting out the flush interval, so the drain finishes promptly.
      const drained = server.close();
      // Joins and syncs waiting on a rebalance are answered now (NOT_COORDINATOR), not after it.
      groups.close();
      // Steps in flight commit or fail; no new step starts.
      await pipelines.close();
      if (!log.fenced) await log.flush().catch((err: unknown) => logger.warn({ err }, 'flush at shutdown failed'));
      await drained;
      await smartmodules.close();
      await log.close();
      await metricsServer?.close();
      await store.close?.();
    })();
    return closing;
  };

  return {
    host: identity.host,
    port: identity.port,
    bucket: config.bucket ?? config.data ?? '(custom store)',
    metricsPort: metricsServer?.port,
    log,
    store,
    smartmodules,
    pipelines,
    logger,
    fenced,
    close,
  };
}
