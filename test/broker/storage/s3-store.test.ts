import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, ObjectStoreError } from '../../../broker/storage/object-store.js';
import { S3Store } from '../../../broker/storage/s3-store.js';
import { type S3Server, startS3rver } from '../../helpers/s3rver.js';
import { describeStoreContract } from './store-contract.js';

let s3: S3Server;
let prefixCounter = 0;
beforeAll(async () => {
  s3 = await startS3rver(['sluice-test', 'other-bucket']);
});
afterAll(async () => {
  await s3?.stop();
});

/** Each store gets its own prefix in the shared bucket, so every contract test starts empty. */
function makeStore(prefix = `run-${process.pid}-${prefixCounter++}`): S3Store {
  // Small list pages so that paging is exercised with few keys (s3rver PUTs are slow).
  return new S3Store({ bucket: 'sluice-test', prefix, endpoint: s3.endpoint, credentials: s3.credentials, forcePathStyle: true, listPageMaxKeys: 40 });
}

// s3rver accepts IfNoneMatch but does not enforce it; putIfAbsent's semantics are covered by the local and fault stores.
describeStoreContract('S3Store on s3rver', async () => makeStore(), { enforcesPutIfAbsent: false, propertyRuns: 30, pagingKeys: 130 });

describe('S3Store', () => {
  it('keeps prefixes apart: one bucket, two stores, no crosstalk', async () => {
    const a = makeStore('tenant-a');
    const b = makeStore('tenant-a-b');
    try {
      await a.put('k', Uint8Array.of(1));
      await b.put('k', Uint8Array.of(2));
      expect(await a.get('k')).toEqual(Uint8Array.of(1));
      expect((await a.list('')).map((o) => o.key)).toEqual(['k']);
      expect((await b.list('')).map((o) => o.key)).toEqual(['k']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('works with no prefix and reads a prefix without a trailing slash as a directory', async () => {
    const root = new S3Store({ bucket: 'other-bucket', endpoint: s3.endpoint, credentials: s3.credentials, forcePathStyle: true });
    const nested = new S3Store({ bucket: 'other-bucket', prefix: 'deep/er', endpoint: s3.endpoint, credentials: s3.credentials, forcePathStyle: true });
    try {
      await nested.put('x', Uint8Array.of(9));
      expect((await root.list('')).map((o) => o.key)).toEqual(['deep/er/x']);
      expect(await root.get('deep/er/x')).toEqual(Uint8Array.of(9));
    } finally {
      await root.close();
      await nested.close();
    }
  });

  it('takes endpoint and credentials from the standard AWS environment', async () => {
    const saved = { ...process.env };
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    process.env.AWS_REGION = 'eu-west-1';
    const store = new S3Store({ bucket: 'sluice-test', prefix: 'from-env' });
    try {
      await store.put('e', Uint8Array.of(5));
      expect(await store.get('e')).toEqual(Uint8Array.of(5));
    } finally {
      await store.close();
      for (const k of ['AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it('a missing bucket is a non-retriable error, not "not found"', async () => {
    const store = new S3Store({ bucket: 'no-such-bucket', endpoint: s3.endpoint, credentials: s3.credentials, forcePathStyle: true });
    try {
      const err = await store.get('k').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectStoreError);
      expect(err).not.toBeInstanceOf(ObjectNotFoundError);
      expect((err as ObjectStoreError).retriable).toBe(false);
      expect((err as Error).message).toContain('NoSuchBucket');
    } finally {
      await store.close();
    }
  });

  it('an unreachable endpoint is a retriable ObjectStoreError', async () => {
    // A port that was just free: nothing listens there.
    const { createServer } = await import('node:net');
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const store = new S3Store({ bucket: 'sluice-test', endpoint: `http://127.0.0.1:${port}`, credentials: s3.credentials, forcePathStyle: true });
    try {
      for (const call of [() => store.put('k', Uint8Array.of(1)), () => store.putIfAbsent('k', Uint8Array.of(1)), () => store.get('k'), () => store.list('')]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ObjectStoreError);
        expect((err as ObjectStoreError).retriable).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it('putIfAbsent maps 412 PreconditionFailed to false (s3rver with If-None-Match enforced by the test helper)', async () => {
    const server = await startS3rver('conditional');
    const store = new S3Store({
      bucket: server.bucket,
      prefix: 'manifest',
      endpoint: server.endpoint,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    try {
      expect(await store.putIfAbsent('00000001', Uint8Array.of(1))).toBe(true);
      expect(await store.putIfAbsent('00000001', Uint8Array.of(2))).toBe(false);
      expect(await store.get('00000001')).toEqual(Uint8Array.of(1));
      // Concurrent racers: the helper checks then writes, so only the count of "true" answers is not guaranteed
      // there; what must hold is that every answer is a boolean and the object is one racer's whole payload.
      const answers = await Promise.all([3, 4, 5].map((v) => store.putIfAbsent('00000002', Uint8Array.of(v, v, v))));
      expect(answers.some((a) => a)).toBe(true);
      const got = await store.get('00000002');
      expect(got.byteLength).toBe(3);
      expect(new Set(got).size).toBe(1);
    } finally {
      await store.close();
      await server.stop();
    }
  });
});
