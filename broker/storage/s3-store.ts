/**
 * The bucket on S3 (or anything speaking its API) through @aws-sdk/client-s3.
 * Region, endpoint and credentials come from the options or the standard AWS
 * environment (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3).
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { S3_LIST_PAGE_MAX_KEYS, S3_MAX_ATTEMPTS, S3_MAX_SOCKETS, S3_REQUEST_TIMEOUT_MS } from '../constants.js';
import { assertRange, compareKeys, validateKey } from './keys.js';
import { type ByteRange, type ObjectInfo, type ObjectStore, ObjectNotFoundError, ObjectStoreError } from './object-store.js';

type Sdk = typeof import('@aws-sdk/client-s3');
let sdkLoading: Promise<Sdk> | undefined;
/**
 * The SDK is loaded on the first request, not at import: it costs ~100 ms and ~15 MB,
 * which a broker on a local directory (or any CLI command) should not pay.
 */
function loadSdk(): Promise<Sdk> {
  sdkLoading ??= import('@aws-sdk/client-s3');
  return sdkLoading;
}

interface Clients {
  sdk: Sdk;
  client: S3Client;
  /**
   * putIfAbsent never lets the SDK retry: a retry after a lost reply would meet
   * its own object and report "exists" (a false fencing). The caller sees the
   * retriable error instead and decides by reading the key.
   */
  conditionalClient: S3Client;
}

export interface S3StoreOptions {
  bucket: string;
  /** Prepended to every key; a trailing `/` is added when missing. */
  prefix?: string;
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style URLs (`endpoint/bucket/key`), needed by s3rver, MinIO and most local S3s. */
  forcePathStyle?: boolean;
  /** Keys per list page (S3 caps it at 1000); smaller only to exercise paging in tests. */
  listPageMaxKeys?: number;
}

interface S3ErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return (err as S3ErrorShape | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(err: unknown): string {
  const e = err as S3ErrorShape | undefined;
  return e?.name ?? e?.Code ?? e?.code ?? 'unknown';
}

const THROTTLING_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'RequestTimeTooSkewed', 'TooManyRequestsException', 'InternalError', 'ServiceUnavailable']);
const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound']);

function isNotFound(err: unknown): boolean {
  return NOT_FOUND_NAMES.has(nameOf(err)) || statusOf(err) === 404 && nameOf(err) !== 'NoSuchBucket';
}

/** Network errors, timeouts, 5xx, throttling and conditional-write conflicts can succeed on a later try. */
function isRetriable(err: unknown): boolean {
  const status = statusOf(err);
  const name = nameOf(err);
  if (name === 'ConditionalRequestConflict' || status === 409) return true;
  // No credentials anywhere (options, environment, profile): a configuration error, not an outage.
  if (name === 'CredentialsProviderError') return false;
  if (THROTTLING_NAMES.has(name)) return true;
  if (status === undefined) return true; // no HTTP response at all: connection refused, reset, timed out
  return status >= 500 || status === 429 || status === 408;
}

function mapError(op: string, key: string, err: unknown): Error {
  if (err instanceof ObjectNotFoundError || err instanceof ObjectStoreError || err instanceof RangeError) return err;
  const status = statusOf(err);
  return new ObjectStoreError(`s3 ${op} "${key}" failed: ${nameOf(err)}${status === undefined ? '' : ` (HTTP ${status})`}`, {
    cause: err,
    retriable: isRetriable(err),
  });
}

export class S3Store implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly listPageMaxKeys: number;
  private readonly config: S3ClientConfig;
  private clientsLoading: Promise<Clients> | undefined;
  private closed = false;

  constructor(options: S3StoreOptions) {
    if (!options.bucket) throw new Error('S3Store needs a bucket');
    this.bucket = options.bucket;
    this.listPageMaxKeys = options.listPageMaxKeys ?? S3_LIST_PAGE_MAX_KEYS;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    // The SDK warns about Node releases it will drop in future versions; sluice pins the SDK, so it is noise on stderr.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    const base: S3ClientConfig = {
      region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
      requestHandler: {
        requestTimeout: S3_REQUEST_TIMEOUT_MS,
        httpAgent: { keepAlive: true, maxSockets: S3_MAX_SOCKETS },
        httpsAgent: { keepAlive: true, maxSockets: S3_MAX_SOCKETS },
      },
      // Only checksums S3 requires: S3-compatible servers (s3rver, older MinIO) reject the newer default ones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (endpoint !== undefined) base.endpoint = endpoint;
    if (options.credentials !== undefined) base.credentials = options.credentials;
    this.config = base;
  }

  private clients(): Promise<Clients> {
    if (this.closed) return Promise.reject(new ObjectStoreError('S3 store is closed', { retriable: false }));
    this.clientsLoading ??= loadSdk().then((sdk) => ({
      sdk,
      client: new sdk.S3Client({ ...this.config, maxAttempts: S3_MAX_ATTEMPTS }),
      conditionalClient: new sdk.S3Client({ ...this.config, maxAttempts: 1 }),
    }));
    return this.clientsLoading;
  }

  private fullKey(key: string): string {
    validateKey(key);
    return this.prefix + key;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const Key = this.fullKey(key);
    if (range !== undefined) {
      assertRange(range);
      // An empty range has no HTTP form ("bytes=5-4" would return the whole object).
      if (range.end === range.start) return this.emptyRange(key, Key);
    }
    const { sdk, client } = await this.clients();
    try {
      const out = await client.send(
        new sdk.GetObjectCommand({
          Bucket: this.bucket,
          Key,
          Range: range === undefined ? undefined : `bytes=${range.start}-${range.end - 1}`,
        }),
      );
      if (out.Body === undefined) return new Uint8Array(0);
      const body = await out.Body.transformToByteArray();
      // Some S3-compatibles (s3rver) answer "bytes=0-0" with the whole object; never return more than asked.
      return range !== undefined && body.byteLength > range.end - range.start ? body.subarray(0, range.end - range.start) : body;
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key, { cause: err });
      // A range starting at or past the end: the same empty answer the local store gives.
      if (statusOf(err) === 416 || nameOf(err) === 'InvalidRange') return this.emptyRange(key, Key);
      throw mapError('get', key, err);
    }
  }

  private async emptyRange(key: string, Key: string): Promise<Uint8Array> {
    const { sdk, client } = await this.clients();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key }));
      return new Uint8Array(0);
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key, { cause: err });
      throw mapError('get', key, err);
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const Key = this.fullKey(key);
    const { sdk, client } = await this.clients();
    try {
      await client.send(new sdk.PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, ContentLength: bytes.byteLength }));
    } catch (err) {
      throw mapError('put', key, err);
    }
  }

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    const Key = this.fullKey(key);
    const { sdk, conditionalClient } = await this.clients();
    try {
      await conditionalClient.send(
        new sdk.PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, ContentLength: bytes.byteLength, IfNoneMatch: '*' }),
      );
      return true;
    } catch (err) {
      if (statusOf(err) === 412 || nameOf(err) === 'PreconditionFailed') return false;
      throw mapError('putIfAbsent', key, err);
    }
  }

  async list(prefix: string, after?: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    const { sdk, client } = await this.clients();
    try {
      do {
        const page = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            StartAfter: token === undefined && after !== undefined ? this.prefix + after : undefined,
            ContinuationToken: token,
            MaxKeys: this.listPageMaxKeys,
          }),
        );
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined || !item.Key.startsWith(this.prefix)) continue;
          const key = item.Key.slice(this.prefix.length);
          if (after !== undefined && compareKeys(key, after) <= 0) continue;
          out.push({ key, size: item.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (err) {
      throw mapError('list', prefix, err);
    }
    // S3 lists in UTF-8 byte order already; S3-compatibles (s3rver) do not always, and the contract promises it.
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(key: string): Promise<void> {
    const Key = this.fullKey(key);
    const { sdk, client } = await this.clients();
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw mapError('delete', key, err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const clients = await this.clientsLoading?.catch(() => undefined);
    clients?.client.destroy();
    clients?.conditionalClient.destroy();
  }
}
