/**
 * How S3Store maps S3's error answers, against a tiny HTTP server on 127.0.0.1 that
 * answers every request with a chosen S3 error (through the real SDK, no mocks of it).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3_MAX_ATTEMPTS } from '../../../broker/constants.js';
import { ObjectNotFoundError, ObjectStoreError } from '../../../broker/storage/object-store.js';
import { S3Store } from '../../../broker/storage/s3-store.js';

let server: Server;
let answer = { status: 500, code: 'InternalError' };
let requests: { method: string; url: string; ifNoneMatch?: string }[] = [];
let store: S3Store;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', ifNoneMatch: req.headers['if-none-match'] as string | undefined });
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/xml' });
      // HEAD answers carry no body; the SDK maps them by status alone.
      res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${answer.code}</Code><Message>test</Message></Error>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  store = new S3Store({
    bucket: 'b',
    prefix: 'p',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    forcePathStyle: true,
  });
});
afterAll(async () => {
  await store.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests = [];
});

async function errorOf(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('S3Store error mapping', () => {
  it('412 PreconditionFailed on putIfAbsent is "exists" (false), sent with If-None-Match: *', async () => {
    answer = { status: 412, code: 'PreconditionFailed' };
    expect(await store.putIfAbsent('m/1', Uint8Array.of(1))).toBe(false);
    expect(requests).toEqual([{ method: 'PUT', url: '/b/p/m/1?x-id=PutObject', ifNoneMatch: '*' }]);
  });

  it('409 ConditionalRequestConflict is a retriable error, never "exists"', async () => {
    answer = { status: 409, code: 'ConditionalRequestConflict' };
    const err = await errorOf(() => store.putIfAbsent('m/1', Uint8Array.of(1)));
    expect(err).toBeInstanceOf(ObjectStoreError);
    expect(err).toMatchObject({ retriable: true });
    expect((err as Error).message).toContain('ConditionalRequestConflict');
  });

  it('putIfAbsent is sent once (a lost reply must surface), idempotent calls are retried by the SDK', async () => {
    answer = { status: 503, code: 'SlowDown' };
    const conditional = await errorOf(() => store.putIfAbsent('m/2', Uint8Array.of(1)));
    expect(conditional).toMatchObject({ retriable: true });
    expect(requests).toHaveLength(1);
    requests = [];
    const plain = await errorOf(() => store.put('s/1', Uint8Array.of(1)));
    expect(plain).toMatchObject({ retriable: true });
    expect(requests).toHaveLength(S3_MAX_ATTEMPTS);
  });

  it('5xx and throttling are retriable; access errors are not', async () => {
    for (const [status, code, retriable] of [
      [500, 'InternalError', true],
      [503, 'ServiceUnavailable', true],
      [429, 'TooManyRequests', true],
      [403, 'AccessDenied', false],
      [400, 'InvalidRequest', false],
    ] as const) {
      answer = { status, code };
      const err = await errorOf(() => store.get('x'));
      expect(err, code).toBeInstanceOf(ObjectStoreError);
      expect((err as ObjectStoreError).retriable, code).toBe(retriable);
    }
  });

  it('NoSuchKey is ObjectNotFoundError on get and nothing on delete', async () => {
    answer = { status: 404, code: 'NoSuchKey' };
    const err = await errorOf(() => store.get('gone'));
    expect(err).toBeInstanceOf(ObjectNotFoundError);
    expect(err).toMatchObject({ key: 'gone' });
    await store.delete('gone');
  });

  it('missing credentials are a non-retriable configuration error', async () => {
    const saved = { ...process.env };
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) delete process.env[k];
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/sluice-credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/sluice-config';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const bare = new S3Store({ bucket: 'b', endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forcePathStyle: true });
    try {
      const err = await errorOf(() => bare.list(''));
      expect(err).toBeInstanceOf(ObjectStoreError);
      expect(err).toMatchObject({ retriable: false });
      expect((err as Error).message).toContain('CredentialsProviderError');
    } finally {
      await bare.close();
      process.env = saved;
    }
  });
});
