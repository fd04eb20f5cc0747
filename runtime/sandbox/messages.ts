/**
 * What crosses between the host and a sandbox worker besides the mailbox header
 * (mailbox-layout.ts). Batches travel in the shared region or as transferred ArrayBuffers,
 * never as structured-cloned records.
 */
import type { ModuleFormat } from '../guest-code.js';

/** The serializable part of the instance limits (no log callback crosses into a worker). */
export interface InstanceLimits {
  memoryMaxBytes?: number;
  outputMaxBytes?: number;
}

/** Everything a worker needs to instantiate a module; sent only when the worker lacks it (it compiles the bytes itself, worker.ts). */
export interface ModuleSpec {
  moduleId: string;
  /** `bytes` is a core module, or a transpiled component (component/transpiled.ts). */
  format: ModuleFormat;
  bytes: Uint8Array;
  params: Record<string, string>;
  limits: InstanceLimits;
}

/** Sent once to each worker at start: the answer proves the worker file is loaded. */
export interface PingTask {
  ping: true;
}

/** A standalone ArrayBuffer holding exactly the view's bytes: transfers the view's own buffer when it
 * is exactly that, copies otherwise (a view into a larger or shared buffer must not be detached). */
export function ownBuffer(view: Uint8Array): ArrayBuffer {
  return ownsWholeBuffer(view) ? view.buffer : (view.slice().buffer as ArrayBuffer);
}

/** Whether the view starts at the first byte of a plain (transferable) ArrayBuffer: an input handed over with RunOptions.buffers may be transferred then. */
export function startsOwnBuffer(view: Uint8Array): view is Uint8Array<ArrayBuffer> {
  return view.buffer instanceof ArrayBuffer && view.byteOffset === 0;
}

/** Whether the view covers the whole of a plain (transferable) ArrayBuffer. */
export function ownsWholeBuffer(view: Uint8Array): view is Uint8Array<ArrayBuffer> {
  const buf = view.buffer;
  return buf instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buf.byteLength;
}
