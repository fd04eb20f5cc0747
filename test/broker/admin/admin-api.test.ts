import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULE_MAX_BYTES } from '../../../runtime/constants.js';
import { ADMIN_JSON_BODY_MAX_BYTES } from '../../../broker/constants.js';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import type { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { startTestBroker, type TestBroker } from '../handlers/test-broker.js';
import { admin, createTopic, registerModule, wasmOf } from '../smartmodules/record-path-helpers.js';

let t: TestBroker;
let c: KafkaClient;

beforeAll(async () => {
  t = await startTestBroker();
  c = await t.client();
  await createTopic(c, 'logs', 1);
});
afterAll(async () => {
  await t?.stop();
});

describe('the admin API on the Kafka port', () => {
  it('answers HTTP and Kafka on one port, side by side on open connections', async () => {
    const [meta, list] = await Promise.all([
      c.request(ApiKey.Metadata, 1, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
      admin(t.address, 'GET', '/v1/modules'),
    ]);
    expect(meta.topics.map((x) => x.name)).toEqual(['logs']);
    expect(list).toEqual({ status: 200, body: [] });
  });

  it('stores a module under its sha256, serves its bytes, and keeps an attached one', async () => {
    await registerModule(t.address, 'json-filter');
    const entry = (await admin(t.address, 'GET', '/v1/modules/json-filter')).body as { id: string; kind: string; attachments: unknown[] };
    expect(entry).toMatchObject({ kind: 'filter', attachments: [] });
    const bytes = (await admin(t.address, 'GET', '/v1/modules/json-filter/binary')).body as Uint8Array;
    expect(Buffer.from(bytes).equals(Buffer.from(wasmOf('json-filter')))).toBe(true);
    expect((await admin(t.address, 'POST', '/v1/attachments', { kind: 'view', module: 'json-filter', topic: 'logs', as: 'errors' })).status).toBe(201);
    const refused = await admin(t.address, 'DELETE', '/v1/modules/json-filter');
    expect(refused).toEqual({ status: 409, body: { error: { code: 'attached', message: 'module json-filter is attached (view errors); detach it first' } } });
    expect((await admin(t.address, 'DELETE', '/v1/attachments/view/errors')).status).toBe(200);
    expect((await admin(t.address, 'DELETE', '/v1/modules/json-filter')).status).toBe(200);
    expect((await admin(t.address, 'GET', '/v1/modules/json-filter')).status).toBe(404);
  });

  it('refuses what is not a module, with the loader\'s reason, storing nothing', async () => {
    const r = await admin(t.address, 'PUT', '/v1/modules/junk', new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]));
    expect(r.status).toBe(400);
    expect((r.body as { error: { code: string } }).error.code).toBe('invalid_module');
    const wasi = await admin(t.address, 'PUT', '/v1/modules/wasi', wasmOf('wasi-import'));
    expect(wasi).toEqual({ status: 400, body: { error: { code: 'invalid_module', message: 'module imports "wasi_snapshot_preview1"."fd_write": only the "sluice" namespace is allowed' } } });
    expect((await admin(t.address, 'GET', '/v1/modules')).body).toEqual([]);
  });

  it('refuses bodies past their bounds, unknown endpoints and malformed requests', async () => {
    const huge = await admin(t.address, 'PUT', '/v1/modules/huge', new Uint8Array(MODULE_MAX_BYTES + 1));
    expect(huge.status).toBe(413);
    const bigJson = await admin(t.address, 'POST', '/v1/attachments', { kind: 'view', pad: 'x'.repeat(ADMIN_JSON_BODY_MAX_BYTES) });
    expect(bigJson.status).toBe(413);
    expect((await admin(t.address, 'GET', '/v2/modules')).status).toBe(404);
    expect((await admin(t.address, 'GET', '/v1/attachments/other/x')).status).toBe(404);
    expect((await admin(t.address, 'POST', '/v1/attachments', { kind: 'view' })).status).toBe(400);
    const notJson = await fetch(`http://${t.address}/v1/attachments`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    // The broker still answers Kafka.
    expect((await c.request(ApiKey.ApiVersions, 0, { clientSoftwareName: '', clientSoftwareVersion: '' })).errorCode).toBe(0);
  });

  it('waits for a request line split across packets before choosing HTTP', async () => {
    const socket = connect(t.broker.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GE');
    await new Promise((r) => setTimeout(r, 50));
    socket.write('T /v1/modules HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
  });
});
