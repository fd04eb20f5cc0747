/**
 * The operations a bucket's manifest holds, read straight from the store (as recovery would),
 * for tests that must tell "created once" from "created twice and the second won".
 */
import { MANIFEST_PREFIX, decodeEntry, type Op } from '../../broker/log/manifest.js';
import { LocalStore } from '../../broker/storage/local-store.js';
import type { ObjectStore } from '../../broker/storage/object-store.js';

/** Every operation of every manifest entry still in the bucket, in sequence order. */
export async function manifestOps(store: ObjectStore | string): Promise<Op[]> {
  const s = typeof store === 'string' ? new LocalStore(store) : store;
  const keys = (await s.list(MANIFEST_PREFIX)).map((o) => o.key).sort();
  const ops: Op[] = [];
  for (const key of keys) ops.push(...decodeEntry(key, await s.get(key)).ops);
  return ops;
}

/** How many times the manifest created a topic of this name. */
export async function topicCreations(store: ObjectStore | string, name: string): Promise<number> {
  return (await manifestOps(store)).filter((op) => op.op === 'createTopic' && op.topic.name === name).length;
}
