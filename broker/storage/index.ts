/** The bucket: one narrow interface, its implementations and the wrappers that compose around them. */
export { type ByteRange, type ObjectInfo, type ObjectStore, ObjectNotFoundError, ObjectStoreError } from './object-store.js';
export { InvalidKeyError, compareKeys } from './keys.js';
export { LocalStore } from './local-store.js';
export { S3Store, type S3StoreOptions } from './s3-store.js';
export { FaultInjectingStore, InjectedFaultError, type FaultEvent, type FaultKind, type FaultOptions, type StoreOp } from './fault-store.js';
export { CountingStore, type OpCount, type StoreCounts } from './counting-store.js';
export { ReadCacheStore } from './read-cache-store.js';
export { RetryingStore, Backoff, isRetriable, type RetryOptions } from './retrying-store.js';
export { createStore, parseBucketUrl, StoreConfigError, type StoreConfig } from './store-from-config.js';
export { objectStoreMetrics, type ObjectStoreMetrics } from './store-metrics.js';
export { SeededRandom } from './seeded-random.js';
