import { describe, expect, it } from 'vitest';
import { LocalStore } from '../../../broker/storage/local-store.js';
import { S3Store } from '../../../broker/storage/s3-store.js';
import { createStore, parseBucketUrl, StoreConfigError } from '../../../broker/storage/store-from-config.js';

describe('createStore', () => {
  it('builds a local store from a data directory', async () => {
    const store = createStore({ data: '/tmp/sluice-data-x' });
    expect(store).toBeInstanceOf(LocalStore);
    expect((store as LocalStore).rootDir).toBe('/tmp/sluice-data-x');
  });

  it('builds an S3 store from s3://bucket/prefix', async () => {
    const store = createStore({ bucket: 's3://my-bucket/some/prefix/', s3Endpoint: 'http://127.0.0.1:1', region: 'eu-west-1' });
    expect(store).toBeInstanceOf(S3Store);
    expect((store as S3Store).bucket).toBe('my-bucket');
    expect((store as S3Store).prefix).toBe('some/prefix/');
    await store.close?.();
  });

  it('parses bucket URLs with and without a prefix', () => {
    expect(parseBucketUrl('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseBucketUrl('s3://bucket/')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseBucketUrl('s3://b.u-c.k3t/a/b')).toEqual({ bucket: 'b.u-c.k3t', prefix: 'a/b' });
  });

  it('refuses malformed bucket URLs with a message that names the setting', () => {
    for (const url of ['bucket', 'http://bucket/x', 's3://', 's3:///prefix', 's3://UpperCase', 's3://ab', 's3://bad_name/x', 's3://a..b/x', 's3://bucket/a//b', 's3://bucket/../x']) {
      expect(() => parseBucketUrl(url), url).toThrow(StoreConfigError);
      expect(() => createStore({ bucket: url }), url).toThrow(/^bucket: /);
    }
  });

  it('needs exactly one of data and bucket', () => {
    expect(() => createStore({})).toThrow(StoreConfigError);
    expect(() => createStore({ data: '/tmp/x', bucket: 's3://bucket/p' })).toThrow(/either/);
    expect(() => createStore({ data: '' })).toThrow(/^data: /);
  });
});
