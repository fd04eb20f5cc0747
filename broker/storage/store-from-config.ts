/**
 * Picks the bucket from configuration: `--data <dir>` for the local directory,
 * `--bucket s3://<bucket>/<prefix>` (with `--s3-endpoint`, `--region`) for S3.
 */
import { LocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';

export interface StoreConfig {
  data?: string;
  bucket?: string;
  s3Endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  forcePathStyle?: boolean;
}

/** A configuration no store can be built from; the message names the bad setting. */
export class StoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConfigError';
  }
}

/** S3's bucket naming rules (the common subset every S3-compatible server accepts). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseBucketUrl(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(url);
  if (match === null) throw new StoreConfigError(`bucket: expected s3://<bucket>/<prefix>, got ${JSON.stringify(url)}`);
  const bucket = match[1] ?? '';
  const prefix = (match[2] ?? '').replace(/\/+$/, '');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new StoreConfigError(`bucket: ${JSON.stringify(bucket)} is not a valid S3 bucket name (3-63 of a-z 0-9 . -)`);
  }
  if (prefix.split('/').some((s) => s === '' || s === '.' || s === '..') && prefix !== '') {
    throw new StoreConfigError(`bucket: prefix ${JSON.stringify(prefix)} has an empty, "." or ".." segment`);
  }
  return { bucket, prefix };
}

export function createStore(config: StoreConfig): ObjectStore {
  if (config.data !== undefined && config.bucket !== undefined) {
    throw new StoreConfigError('give either data (a local directory) or bucket (s3://...), not both');
  }
  if (config.bucket !== undefined) {
    const { bucket, prefix } = parseBucketUrl(config.bucket);
    return new S3Store({
      bucket,
      prefix,
      endpoint: config.s3Endpoint,
      region: config.region,
      credentials: config.credentials,
      forcePathStyle: config.forcePathStyle,
    });
  }
  if (config.data !== undefined) {
    if (config.data === '') throw new StoreConfigError('data: empty directory path');
    return new LocalStore(config.data);
  }
  throw new StoreConfigError('no bucket configured: give data (a local directory) or bucket (s3://<bucket>/<prefix>)');
}
