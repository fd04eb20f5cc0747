/**
 * The shared-memory mailbox between the host and one sandbox worker: a small Int32 header and one
 * data region. The host writes a batch into the region and flips STATE to REQUEST; the worker
 * (which polls, then sleeps on STATE) runs it, writes the output over the input and flips STATE to
 * DONE. What does not fit the region (large batches, module specs, error details) travels over a
 * MessagePort beside it, read synchronously with receiveMessageOnPort on either side.
 */
import type { MessagePort } from 'node:worker_threads';
import { SANDBOX_SPIN_CLOCK_EVERY } from '../constants.js';
import type { PollingMode } from './poll-gate.js';

/** Int32 slots of the header. */
export const SLOT = {
  /** One of MAILBOX_STATE. */
  STATE: 0,
  /** One of MAILBOX_OP, written with REQUEST. */
  OP: 1,
  /** MAILBOX_FLAG bits of the request. */
  FLAGS: 2,
  /** Which (module, params, limits): a small integer the pool assigns to a handle key. */
  KEY: 3,
  /** Request: input length in the region. */
  IN_LEN: 4,
  /** Request: state length in the region, -1 for no state. */
  IN_STATE_LEN: 5,
  /** Reply: one of MAILBOX_STATUS. */
  STATUS: 6,
  /** Reply: output length in the region. */
  OUT_LEN: 7,
  /** Reply: state length in the region, -1 for no state. */
  OUT_STATE_LEN: 8,
  /** Reply to a CONVERT_INPUT request: records the converted input held (-1 otherwise). */
  CONV_RECORDS: 9,
  /** Reply to a CONVERT_INPUT request: ConvertedInput.resumeAt, low and high 32 bits. */
  CONV_RESUME_LO: 10,
  CONV_RESUME_HI: 11,
} as const;

export const MAILBOX_HEADER_BYTES = 64;

export const MAILBOX_STATE = {
  /** Made by the host; no worker serves it yet. */
  BOOTING: 0,
  /** Served, nothing pending. */
  IDLE: 1,
  /** A request waits for the worker. */
  REQUEST: 2,
  /** The reply is ready for the host. */
  DONE: 3,
  /** Discarded by the host (its worker died or is being terminated): nobody may use it again. */
  DEAD: 4,
} as const;

export const MAILBOX_OP = { RUN: 1, STOP: 2 } as const;

export const MAILBOX_FLAG = {
  /** Input and state are the next message on the port ({ input, state } as transferred buffers). */
  INPUT_ON_PORT: 1,
  /** The module spec follows on the port (after the input, when that is on the port too). */
  SPEC_ON_PORT: 2,
  /** The input goes through the worker's input converter before the module (RunOptions.convert). */
  CONVERT_INPUT: 4,
} as const;

export const MAILBOX_STATUS = {
  /** Output and state are in the region. */
  OK: 1,
  /** The worker has no instance for the key and consumed nothing: send the spec and ask again. */
  MISS: 2,
  /** Error details are the next message on the port. */
  ERROR: 3,
  /** Output and state are the next message on the port: they did not fit the region, or the input came on the port and the output goes back in its buffer. */
  OK_ON_PORT: 4,
} as const;

export const MAILBOX_HEADER_INTS = MAILBOX_HEADER_BYTES / 4;

/** Where the state sits after `len` bytes of input or output (8-byte aligned). */
export function stateOffset(len: number): number {
  return (len + 7) & ~7;
}

/**
 * Copies `src` into the region view `dst` at `at` (an 8-aligned offset). Between a
 * SharedArrayBuffer and another buffer V8 copies byte by byte unless both addresses are 8-aligned,
 * so a misaligned source is first copied to a fresh (aligned) buffer, which costs a plain memcpy.
 */
export function copyIntoRegion(dst: Uint8Array, at: number, src: Uint8Array): void {
  dst.set(src.byteOffset % 8 === 0 ? src : src.slice(), at);
}

/**
 * A private copy of `len` bytes of the region view at `at` (an 8-aligned offset). Not `slice()`,
 * which on a SharedArrayBuffer view copies element by element; `set()` into a fresh buffer copies
 * in bulk when both sides are aligned.
 */
export function copyOutOfRegion(region: Uint8Array, at: number, len: number): Uint8Array {
  // Uninitialised (it is overwritten at once), unpooled: a plain Uint8Array over its own buffer.
  const out = new Uint8Array(Buffer.allocUnsafeSlow(len).buffer, 0, len);
  out.set(region.subarray(at, at + len));
  return out;
}

/**
 * Polls the mailbox's STATE until `done(state)` or until the clock passes `untilMs`
 * (performance.now() time), and returns the last state read. The host polls for its reply, the
 * worker for its next request. The clock is read every SANDBOX_SPIN_CLOCK_EVERY loads only: a read
 * costs far more than a load and, in code V8 has not optimised, allocates its result.
 */
export function pollState(ctrl: Int32Array, done: (state: number) => boolean, untilMs: number): number {
  let n = 0;
  let s = Atomics.load(ctrl, SLOT.STATE);
  while (!done(s) && (++n % SANDBOX_SPIN_CLOCK_EVERY !== 0 || performance.now() < untilMs)) s = Atomics.load(ctrl, SLOT.STATE);
  return s;
}

/** What the worker receives to start serving. */
export interface ServeTask {
  /** `converter`: the URL of the module whose `inputConverter` converts CONVERT_INPUT requests. */
  serve: { sab: SharedArrayBuffer; polling: PollingMode; converter: string | null };
  port: MessagePort;
}

/** Error details of a failed call, sent on the port. */
export interface MailboxError {
  kind: 'trap' | 'guest-error' | 'output-too-large' | 'memory-limit' | 'instantiate' | 'bad-input' | 'input';
  code: number;
  message: string;
  /** The worker should be replaced now (its guest memory is at its maximum). */
  recycle: boolean;
}
