import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type MetricsServer, startMetricsServer } from '../../broker/metrics.js';
import { CountingStore } from '../../broker/storage/counting-store.js';
import { LocalStore } from '../../broker/storage/local-store.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('metrics', () => {
  it('registers every broker and pipeline metric on its own registry', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.recordsIn.inc({ topic: 'orders' }, 5);
    a.flushLatency.observe(0.002);
    a.pipelineRecordsOut.inc({ pipeline: 'p1' }, 3);
    a.pipelineBatchLatency.observe({ pipeline: 'p1' }, 0.0001);
    a.moduleErrors.inc({ pipeline: 'p1', module: 'm', kind: 'trap' });
    a.produceRequests.inc({ outcome: 'ok' });
    const text = await a.registry.metrics();
    expect(text).toContain('sluice_records_in_total{topic="orders"} 5');
    expect(text).toContain('sluice_flush_seconds_count 1');
    expect(text).toContain('sluice_pipeline_records_out_total{pipeline="p1"} 3');
    expect(text).toContain('sluice_pipeline_batch_seconds_count{pipeline="p1"} 1');
    expect(text).toContain('sluice_module_errors_total{pipeline="p1",module="m",kind="trap"} 1');
    expect(text).toContain('sluice_produce_requests_total{outcome="ok"} 1');
    expect(await b.registry.metrics()).not.toContain('topic="orders"');
  });

  it('shares the object-store metrics with a counting store on the same registry', async () => {
    const metrics = createMetrics();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-metrics-'));
    try {
      const store = new CountingStore(new LocalStore(dir), { registry: metrics.registry });
      await store.put('k', new Uint8Array(10));
      expect(await metrics.objects.bytes.get()).toMatchObject({ values: [{ labels: { op: 'put' }, value: 10 }] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves /metrics over HTTP on 127.0.0.1 and 404 elsewhere', async () => {
    const metrics = createMetrics({ processMetrics: true });
    metrics.recordsOut.inc({ topic: 'x' }, 2);
    const server = await startMetricsServer({ port: 0, registry: metrics.registry });
    servers.push(server);
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('sluice_records_out_total{topic="x"} 2');
    expect(body).toContain('sluice_process_resident_memory_bytes');
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('a port in use is an error, not a hang', async () => {
    const first = await startMetricsServer({ port: 0, registry: createMetrics().registry });
    servers.push(first);
    await expect(startMetricsServer({ port: first.port, registry: createMetrics().registry })).rejects.toThrow(/EADDRINUSE/);
  });
});
