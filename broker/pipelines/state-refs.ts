/**
 * Aggregate states as a pipeline step commits them: inline in the manifest entry when small,
 * otherwise an object of their own written before the entry names it (an entry that never lands
 * leaves only an object no entry names, which the pipeline deletes when it starts).
 */
import { randomUUID } from 'node:crypto';
import { PIPELINE_STATE_INLINE_MAX_BYTES } from '../constants.js';
import type { StateRef } from '../log/index.js';
import { ObjectNotFoundError, type ObjectStore } from '../storage/object-store.js';

/** Where a pipeline's state objects live. */
export function stateObjectPrefix(pipeline: string): string {
  return `pipelines/${pipeline}/`;
}

export async function loadStates(store: ObjectStore, refs: readonly (StateRef | null)[]): Promise<(Uint8Array | null)[]> {
  return Promise.all(
    refs.map(async (ref) => {
      if (ref === null) return null;
      if ('inline' in ref) return new Uint8Array(Buffer.from(ref.inline, 'base64'));
      try {
        return await store.get(ref.key);
      } catch (err) {
        if (err instanceof ObjectNotFoundError) throw new Error(`pipeline state object ${ref.key} is missing from the bucket`, { cause: err });
        throw err;
      }
    }),
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/**
 * The refs of `states` for the next entry: an unchanged state keeps its ref, a small one goes
 * inline, a large one is written as a new object (listed in `written`, for cleanup if the entry
 * does not land).
 */
export async function saveStates(
  store: ObjectStore, pipeline: string, partition: number,
  states: readonly (Uint8Array | null)[], before: readonly (Uint8Array | null)[], beforeRefs: readonly (StateRef | null)[],
): Promise<{ refs: (StateRef | null)[]; written: string[] }> {
  const written: string[] = [];
  const refs = await Promise.all(
    states.map(async (state, i): Promise<StateRef | null> => {
      if (state === null) return null;
      const old = before[i];
      if (old !== null && old !== undefined && beforeRefs[i] && sameBytes(old, state)) return beforeRefs[i]!;
      if (state.byteLength <= PIPELINE_STATE_INLINE_MAX_BYTES) return { inline: Buffer.from(state).toString('base64') };
      const key = `${stateObjectPrefix(pipeline)}p${partition}-s${i}-${randomUUID()}.state`;
      await store.put(key, state);
      written.push(key);
      return { key, bytes: state.byteLength };
    }),
  );
  return { refs, written };
}

/** The object keys a set of refs names. */
export function objectKeys(refs: readonly (StateRef | null)[]): string[] {
  return refs.flatMap((r) => (r !== null && 'key' in r ? [r.key] : []));
}
