import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { encodeRequestFrame } from '../../../broker/protocol/apis/index.js';
import { ErrorCode } from '../../../broker/protocol/error-codes.js';
import { KafkaServer } from '../../../broker/server/index.js';
import type { HandlerTable } from '../../../broker/server/index.js';
import { RawClient } from './raw-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ApiVersions answered after `delayMs`, so tests can hold requests in flight; counts concurrency. */
function slowHandlers(delayMs: number, stats = { running: 0, maxRunning: 0 }): HandlerTable {
  return {
    [ApiKey.ApiVersions]: async () => {
      stats.running++;
      stats.maxRunning = Math.max(stats.maxRunning, stats.running);
      await sleep(delayMs);
      stats.running--;
      return { errorCode: ErrorCode.NONE, apiKeys: [], throttleTimeMs: 0 };
    },
  };
}

const frame = (correlationId: number) =>
  encodeRequestFrame(ApiKey.ApiVersions, 0, correlationId, 't', { clientSoftwareName: '', clientSoftwareVersion: '' });

describe('KafkaServer', () => {
  it('refuses connections beyond its bound and keeps serving the others', async () => {
    const server = new KafkaServer({ host: '127.0.0.1', port: 0, handlers: slowHandlers(0), logger: pino({ level: 'silent' }), maxConnections: 2 });
    const { port } = await server.listen();
    const a = await RawClient.open(port);
    const b = await RawClient.open(port);
    await sleep(50);
    const c = await RawClient.open(port);
    await c.waitClosed();
    a.write(frame(1));
    b.write(frame(2));
    await a.waitFrames(1);
    await b.waitFrames(1);
    expect(server.connectionCount).toBe(2);
    a.close();
    b.close();
    await server.close();
  });

  it('stops reading when the in-flight bound is reached and answers everything in order afterwards', async () => {
    const stats = { running: 0, maxRunning: 0 };
    const server = new KafkaServer({ host: '127.0.0.1', port: 0, handlers: slowHandlers(20, stats), logger: pino({ level: 'silent' }), maxInFlightPerConnection: 2 });
    const { port } = await server.listen();
    const c = await RawClient.open(port);
    c.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => frame(i))));
    await c.waitFrames(10);
    expect(c.frames.map((f) => f.correlationId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(stats.maxRunning).toBe(2);
    c.close();
    await server.close();
  });

  it('on close answers the requests already read, then closes the sockets and refuses new ones', async () => {
    const server = new KafkaServer({ host: '127.0.0.1', port: 0, handlers: slowHandlers(300), logger: pino({ level: 'silent' }) });
    const { port } = await server.listen();
    const c = await RawClient.open(port);
    c.write(Buffer.concat([frame(1), frame(2)]));
    await sleep(50);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(c.frames.map((f) => f.correlationId)).toEqual([1, 2]);
    await c.waitClosed();
    await expect(RawClient.open(port)).rejects.toThrow();
  });
});
