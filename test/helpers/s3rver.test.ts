import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3rver, type S3Server } from './s3rver.js';

describe('s3rver test helper', () => {
  let s3: S3Server;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startS3rver('helper-bucket');
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('answers a conditional PUT on an existing key with 412 like real S3, and keeps the first bytes', async () => {
    const key = 'manifest/00000000000000000001';
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: Buffer.from('first'), IfNoneMatch: '*' }));
    const second = client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: Buffer.from('second'), IfNoneMatch: '*' }),
    );
    await expect(second).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).toString()).toBe('first');
  });

  it('still lets an unconditional PUT overwrite', async () => {
    const key = 'plain/object';
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: Buffer.from('a') }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: Buffer.from('b') }));
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).toString()).toBe('b');
  });
});
