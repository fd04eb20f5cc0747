/**
 * The Prometheus metrics of object-store traffic, defined once and fetched from a
 * registry by name, so the counting store and broker/metrics.ts share them.
 */
import { createRequire } from 'node:module';
import type { Counter, Histogram, Registry } from 'prom-client';

type PromClient = typeof import('prom-client');
/**
 * prom-client (and its OpenTelemetry dependency) loads only when someone asks for
 * metrics: the storage index is imported by every CLI command and must stay light.
 */
const loadPromClient = (): PromClient => createRequire(import.meta.url)('prom-client') as PromClient;

export interface ObjectStoreMetrics {
  requests: Counter<'op' | 'outcome'>;
  bytes: Counter<'op'>;
  latency: Histogram<'op'>;
}

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function objectStoreMetrics(registry: Registry): ObjectStoreMetrics {
  const { Counter, Histogram } = loadPromClient();
  return {
    requests: getOrCreate(
      registry,
      'sluice_object_requests_total',
      () =>
        new Counter({
          name: 'sluice_object_requests_total',
          help: 'Object store requests by operation and outcome (ok, not_found, exists, error)',
          labelNames: ['op', 'outcome'] as const,
          registers: [registry],
        }),
    ),
    bytes: getOrCreate(
      registry,
      'sluice_object_bytes_total',
      () =>
        new Counter({
          name: 'sluice_object_bytes_total',
          help: 'Object payload bytes moved by operation (written for put, read for get)',
          labelNames: ['op'] as const,
          registers: [registry],
        }),
    ),
    latency: getOrCreate(
      registry,
      'sluice_object_request_seconds',
      () =>
        new Histogram({
          name: 'sluice_object_request_seconds',
          help: 'Object store request latency by operation',
          labelNames: ['op'] as const,
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers: [registry],
        }),
    ),
  };
}
