/** What several parts of the log are given by the Log that composes them. */
import type { ObjectStore } from '../storage/object-store.js';
import type { Op } from './manifest.js';

/** The bucket, two ways. */
export interface Bucket {
  /** Single attempts: putIfAbsent, reads whose failure only means "not yet", deletes nobody waits for. */
  store: ObjectStore;
  /** The same bucket with retries (RetryingStore). */
  retrying: ObjectStore;
}

/** Writing manifest operations. */
export interface ManifestAccess {
  /** Throws when the log may not write (fenced, closed, entry in doubt). */
  checkWritable: () => void;
  /** Makes the operations durable in the next manifest entry. */
  write: (ops: Op[]) => Promise<void>;
}
