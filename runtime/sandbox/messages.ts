/**
 * What crosses between the host and a sandbox worker: one task message and one reply per batch.
 * Batches travel as transferred ArrayBuffers, never as structured-cloned records.
 */
import type { GuestErrorKind } from './errors.js';

/** The serializable part of the instance limits (no log callback crosses into a worker). */
export interface InstanceLimits {
  memoryMaxBytes?: number;
  outputMaxBytes?: number;
}

/**
 * Everything a worker needs to instantiate a module; sent only when the worker lacks it. The
 * worker compiles the bytes itself: a WebAssembly.Module posted from the host ran the json-filter
 * batch ~2-3x slower in the worker than one compiled there (V8 tiers shared code up poorly).
 */
export interface ModuleSpec {
  moduleId: string;
  bytes: Uint8Array;
  params: Record<string, string>;
  limits: InstanceLimits;
}

export interface RunTask {
  /** Identifies (module, params, limits); the worker caches one instance per key. */
  key: string;
  input: ArrayBuffer;
  state: ArrayBuffer | null;
  /** Present on the second try after a worker answered 'miss'. */
  spec?: ModuleSpec;
}

/** Sent once to each worker at start: the answer proves the worker file is loaded. */
export interface PingTask {
  ping: true;
}

export type RunReply =
  | { status: 'ok'; output: ArrayBuffer; state: ArrayBuffer | null }
  /** The worker has no instance for the key: the input comes back untouched, resend with the spec. */
  | { status: 'miss'; input: ArrayBuffer; state: ArrayBuffer | null }
  | {
      status: 'error';
      kind: GuestErrorKind | 'instantiate' | 'bad-input';
      code: number;
      message: string;
      /** Set when the worker should be replaced now (its guest memory is at its maximum). */
      recycleThreadId?: number;
    };

/** A standalone ArrayBuffer holding exactly the view's bytes: transfers the view's own buffer when it
 * is exactly that, copies otherwise (a view into a larger or shared buffer must not be detached). */
export function ownBuffer(view: Uint8Array): ArrayBuffer {
  const buf = view.buffer;
  if (buf instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buf.byteLength) return buf;
  return view.slice().buffer as ArrayBuffer;
}
