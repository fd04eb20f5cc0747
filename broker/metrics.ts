/**
 * The broker's Prometheus metrics (prom-client) and the HTTP endpoint that serves
 * them. One `BrokerMetrics` per registry; parts of the broker and runtime take it
 * as a dependency instead of reaching for a global, so tests can run many brokers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { EVENT_LOOP_MONITORING_PRECISION_MS, METRICS_DEFAULT_HOST } from './constants.js';
import { objectStoreMetrics, type ObjectStoreMetrics } from './storage/store-metrics.js';

/** Latency buckets in seconds, 100 µs to 10 s: flushes on a local disk sit near the bottom, S3 near the middle. */
const LATENCY_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface BrokerMetrics {
  registry: Registry;
  /** Object store traffic: fed by CountingStore({ registry }). */
  objects: ObjectStoreMetrics;
  /** Kafka requests by API name and outcome (ok or the Kafka error name). */
  requests: Counter<'api' | 'outcome'>;
  produceRequests: Counter<'outcome'>;
  fetchRequests: Counter<'outcome'>;
  /** Records accepted by produce, per topic. */
  recordsIn: Counter<'topic'>;
  /** Records returned by fetch, per topic. */
  recordsOut: Counter<'topic'>;
  bytesIn: Counter<'topic'>;
  bytesOut: Counter<'topic'>;
  /** From the first buffered record to the durable manifest entry. */
  flushLatency: Histogram;
  /** Bytes in each flushed segment. */
  flushBytes: Histogram;
  /** From receiving a produce request to sending its acknowledgement. */
  produceLatency: Histogram<'acks'>;
  pipelineRecordsIn: Counter<'pipeline'>;
  pipelineRecordsOut: Counter<'pipeline'>;
  /** One module call over one batch, including the crossing into the sandbox. */
  pipelineBatchLatency: Histogram<'pipeline'>;
  /** Module failures by pipeline, module and kind (trap, deadline, memory, output, abi). */
  moduleErrors: Counter<'pipeline' | 'module' | 'kind'>;
  /** Records handed to an attachment's module (a view or a produce check), by attachment name and kind. */
  attachmentRecordsIn: Counter<'attachment' | 'kind'>;
  /** Records an attachment's module gave back. */
  attachmentRecordsOut: Counter<'attachment' | 'kind'>;
  /** Failed calls (and records isolated as failing) by attachment and error kind (trap, deadline, ...). */
  attachmentErrors: Counter<'attachment' | 'kind' | 'error'>;
  /** One module call of an attachment, including the crossing into the sandbox. */
  attachmentBatchLatency: Histogram<'attachment' | 'kind'>;
}

export function createMetrics(options: { registry?: Registry; processMetrics?: boolean } = {}): BrokerMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  // Event-loop delay at 1 ms resolution (prom-client's default is 10): every connection shares
  // that loop, and a record path that holds it shows here (nodejs_eventloop_lag_p99_seconds).
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'sluice_', eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets = LATENCY_BUCKETS_S) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers });
  return {
    registry,
    objects: objectStoreMetrics(registry),
    requests: counter('sluice_kafka_requests_total', 'Kafka requests by API and outcome', ['api', 'outcome']),
    produceRequests: counter('sluice_produce_requests_total', 'Produce requests by outcome', ['outcome']),
    fetchRequests: counter('sluice_fetch_requests_total', 'Fetch requests by outcome', ['outcome']),
    recordsIn: counter('sluice_records_in_total', 'Records accepted by produce', ['topic']),
    recordsOut: counter('sluice_records_out_total', 'Records returned by fetch', ['topic']),
    bytesIn: counter('sluice_bytes_in_total', 'Record batch bytes accepted by produce', ['topic']),
    bytesOut: counter('sluice_bytes_out_total', 'Record batch bytes returned by fetch', ['topic']),
    flushLatency: histogram('sluice_flush_seconds', 'Time from the first buffered record to its durable manifest entry', []),
    flushBytes: histogram('sluice_flush_bytes', 'Bytes per flushed segment object', [], [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216]),
    produceLatency: histogram('sluice_produce_seconds', 'Time from a produce request to its acknowledgement', ['acks']),
    pipelineRecordsIn: counter('sluice_pipeline_records_in_total', 'Records read by a pipeline from its source', ['pipeline']),
    pipelineRecordsOut: counter('sluice_pipeline_records_out_total', 'Records written by a pipeline to its target', ['pipeline']),
    pipelineBatchLatency: histogram('sluice_pipeline_batch_seconds', 'Latency of one module call over one batch', ['pipeline']),
    moduleErrors: counter('sluice_module_errors_total', 'SmartModule failures', ['pipeline', 'module', 'kind']),
    attachmentRecordsIn: counter('sluice_attachment_records_in_total', 'Records handed to an attached module', ['attachment', 'kind']),
    attachmentRecordsOut: counter('sluice_attachment_records_out_total', 'Records an attached module gave back', ['attachment', 'kind']),
    attachmentErrors: counter('sluice_attachment_errors_total', 'Failures of an attached module by error kind', ['attachment', 'kind', 'error']),
    attachmentBatchLatency: histogram('sluice_attachment_batch_seconds', 'Latency of one call of an attached module', ['attachment', 'kind']),
  };
}

let processMetrics: BrokerMetrics | undefined;

/** The metrics of this process, created on first use with Node's process metrics; what the CLI broker serves. */
export function defaultMetrics(): BrokerMetrics {
  processMetrics ??= createMetrics({ processMetrics: true });
  return processMetrics;
}

export interface MetricsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  /** 0 for an ephemeral port. */
  port: number;
  host?: string;
  registry?: Registry;
}

/** Serves GET /metrics in the Prometheus text format on 127.0.0.1 (by default). */
export async function startMetricsServer(options: MetricsServerOptions | number): Promise<MetricsServer> {
  const { port, host = METRICS_DEFAULT_HOST, registry = defaultMetrics().registry } = typeof options === 'number' ? { port: options } : options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    host,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
