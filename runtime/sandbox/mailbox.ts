/**
 * The host's side of one worker's mailbox (layout in mailbox-layout.ts). One call at a time; the
 * host awaits the worker's reply with Atomics.waitAsync, after a bounded synchronous wait for calls
 * expected to be short (see call). A mailbox lives as long as the piscina task that serves it;
 * once its worker dies or is terminated it is discarded.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import {
  MAILBOX_FLAG, MAILBOX_HEADER_BYTES, MAILBOX_HEADER_INTS, MAILBOX_OP, MAILBOX_STATE, MAILBOX_STATUS,
  SLOT, copyIntoRegion, copyOutOfRegion, pollState, stateOffset, type MailboxError, type ServeTask,
} from './mailbox-layout.js';
import type { BatchBuffers } from '../abi/batch-buffers.js';
import { SANDBOX_TRANSFER_MIN_BYTES } from '../constants.js';
import { ownBuffer, ownsWholeBuffer, startsOwnBuffer, type ModuleSpec } from './messages.js';
import type { PollingMode } from './poll-gate.js';
import { TaskSignal } from './worker-pool.js';

export type MailboxReply =
  | { status: 'ok'; output: Uint8Array; state: Uint8Array | null; converted?: { records: number; resumeAt: bigint } }
  | { status: 'miss' }
  | ({ status: 'error' } & MailboxError)
  /** The mailbox was discarded while the call ran (deadline, or the worker died). */
  | { status: 'dead' };

type WaitAsync = (ta: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Whether the worker has answered the call in progress. */
const replied = (state: number): boolean => state !== MAILBOX_STATE.REQUEST;

export class Mailbox {
  readonly #ctrl: Int32Array;
  readonly #data: Uint8Array;
  readonly #sab: SharedArrayBuffer;
  readonly #port: MessagePort;
  #workerPort: MessagePort | null;
  /** Aborting it makes piscina terminate the worker serving this mailbox and start another. */
  readonly signal = new TaskSignal();
  #dead = false;
  busy = false;

  constructor(bytes: number, readonly polling: PollingMode = 'auto', readonly converter: string | null = null) {
    this.#sab = new SharedArrayBuffer(MAILBOX_HEADER_BYTES + bytes);
    this.#ctrl = new Int32Array(this.#sab, 0, MAILBOX_HEADER_INTS);
    this.#data = new Uint8Array(this.#sab, MAILBOX_HEADER_BYTES);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#workerPort = port2;
  }

  /** The piscina task that serves this mailbox (its port is in the transfer list). */
  serveTask(): { task: ServeTask; transferList: MessagePort[] } {
    const port = this.#workerPort;
    if (port === null) throw new Error('mailbox already handed to a worker');
    this.#workerPort = null;
    return { task: { serve: { sab: this.#sab, polling: this.polling, converter: this.converter }, port }, transferList: [port] };
  }

  get dead(): boolean {
    return this.#dead;
  }

  get ready(): boolean {
    return !this.#dead && Atomics.load(this.#ctrl, SLOT.STATE) !== MAILBOX_STATE.BOOTING;
  }

  /** Resolves true once a worker serves this mailbox, false if it is discarded first. */
  async whenReady(): Promise<boolean> {
    while (!this.#dead && Atomics.load(this.#ctrl, SLOT.STATE) === MAILBOX_STATE.BOOTING) await this.#wait(MAILBOX_STATE.BOOTING);
    return !this.#dead;
  }

  /**
   * Places input and state for the next call: in the region when both fit, else (or when the
   * input is a large buffer of its own, SANDBOX_TRANSFER_MIN_BYTES) as transferred buffers on the
   * port. Returns the request flags. The state is always copied: it stays the caller's.
   */
  writeInput(input: Uint8Array, state: Uint8Array | null, given = false): number {
    const stateAt = stateOffset(input.length);
    const end = state === null ? input.length : stateAt + state.length;
    Atomics.store(this.#ctrl, SLOT.IN_LEN, input.length);
    Atomics.store(this.#ctrl, SLOT.IN_STATE_LEN, state === null ? -1 : state.length);
    // A large input that is a whole buffer of its own, or that the caller gave with its buffer
    // (RunOptions.buffers), is transferred, not copied. The worker reads IN_LEN bytes of it.
    const transfer = input.length >= SANDBOX_TRANSFER_MIN_BYTES && (given ? startsOwnBuffer(input) : ownsWholeBuffer(input));
    if (end <= this.#data.length && !transfer) {
      copyIntoRegion(this.#data, 0, input);
      if (state !== null) copyIntoRegion(this.#data, stateAt, state);
      return 0;
    }
    const inBuf = transfer ? (input.buffer as ArrayBuffer) : ownBuffer(input);
    const stateBuf = state === null ? null : (state.slice().buffer as ArrayBuffer);
    this.#port.postMessage({ input: inBuf, state: stateBuf }, stateBuf === null ? [inBuf] : [inBuf, stateBuf]);
    return MAILBOX_FLAG.INPUT_ON_PORT;
  }

  /** Sends the module spec ahead of a call flagged SPEC_ON_PORT. */
  postSpec(spec: ModuleSpec): void {
    this.#port.postMessage(spec);
  }

  /**
   * Starts one call: the input must have been placed by writeInput. The reply is then taken with
   * waitSync + takeReply (a short call, waited for synchronously) or awaitReply.
   */
  request(key: number, flags: number): void {
    if (this.#dead) return; // awaitReply answers 'dead'
    const c = this.#ctrl;
    Atomics.store(c, SLOT.OP, MAILBOX_OP.RUN);
    Atomics.store(c, SLOT.FLAGS, flags);
    Atomics.store(c, SLOT.KEY, key);
    Atomics.store(c, SLOT.STATE, MAILBOX_STATE.REQUEST);
    Atomics.notify(c, SLOT.STATE);
  }

  /**
   * Waits for the reply of the call in progress, without blocking the host: Atomics.waitAsync.
   * 'dead' when the mailbox is discarded meanwhile (deadline, or the worker died).
   */
  async awaitReply(buffers?: BatchBuffers): Promise<MailboxReply> {
    while (!this.#dead && Atomics.load(this.#ctrl, SLOT.STATE) === MAILBOX_STATE.REQUEST) await this.#wait(MAILBOX_STATE.REQUEST);
    if (this.#dead) return { status: 'dead' };
    return this.takeReply(buffers);
  }

  /**
   * The reply of the call that has just ended (waitSync said so, or awaitReply); frees the mailbox
   * for the next call. An output copied out of the region goes into a buffer from `buffers` when given.
   */
  takeReply(buffers?: BatchBuffers): MailboxReply {
    const reply = this.#readReply(buffers);
    Atomics.store(this.#ctrl, SLOT.STATE, MAILBOX_STATE.IDLE);
    return reply;
  }

  /** One whole call, awaited asynchronously (request, then awaitReply). */
  call(key: number, flags: number): Promise<MailboxReply> {
    this.request(key, flags);
    return this.awaitReply();
  }

  /**
   * Waits for the reply of the call in progress synchronously, holding the host's event loop at
   * most `us` µs: polls for `spinUs` (capped by `us`), then blocks on the mailbox. True when the
   * reply came meanwhile (take it with takeReply); false, and the call goes on, otherwise.
   */
  waitSync(us: number, spinUs: number): boolean {
    if (this.#dead) return false; // awaitReply answers 'dead'
    const c = this.#ctrl;
    const start = performance.now();
    if (replied(pollState(c, replied, start + Math.min(us, spinUs) / 1000))) return true;
    const left = start + us / 1000 - performance.now();
    if (left > 0) Atomics.wait(c, SLOT.STATE, MAILBOX_STATE.REQUEST, left);
    return replied(Atomics.load(c, SLOT.STATE));
  }

  #readReply(buffers: BatchBuffers | undefined): MailboxReply {
    const c = this.#ctrl;
    const status = Atomics.load(c, SLOT.STATUS);
    if (status === MAILBOX_STATUS.OK) {
      const outLen = Atomics.load(c, SLOT.OUT_LEN);
      const stateLen = Atomics.load(c, SLOT.OUT_STATE_LEN);
      const at = stateOffset(outLen);
      const output = buffers === undefined ? copyOutOfRegion(this.#data, 0, outLen) : buffers.copyOf(this.#data.subarray(0, outLen));
      return this.#withConverted({ status: 'ok', output, state: stateLen < 0 ? null : copyOutOfRegion(this.#data, at, stateLen) });
    }
    if (status === MAILBOX_STATUS.MISS) return { status: 'miss' };
    const message = receiveMessageOnPort(this.#port)?.message as unknown;
    if (status === MAILBOX_STATUS.OK_ON_PORT) {
      // The output may fill only the start of its buffer: the input's, sent back (worker.ts).
      const m = message as { output: ArrayBuffer; outputLength: number; state: ArrayBuffer | null };
      return this.#withConverted({ status: 'ok', output: new Uint8Array(m.output, 0, m.outputLength), state: m.state === null ? null : new Uint8Array(m.state) });
    }
    if (status === MAILBOX_STATUS.ERROR && message !== undefined) return { status: 'error', ...(message as MailboxError) };
    throw new Error(`sandbox mailbox: worker replied status ${status} without its message`);
  }

  /** Adds what the worker's input converter reported, when the call converted its input. */
  #withConverted(reply: { status: 'ok'; output: Uint8Array; state: Uint8Array | null }): MailboxReply {
    const c = this.#ctrl;
    const records = Atomics.load(c, SLOT.CONV_RECORDS);
    if (records < 0) return reply;
    const resumeAt = (BigInt(Atomics.load(c, SLOT.CONV_RESUME_HI)) << 32n) | BigInt(Atomics.load(c, SLOT.CONV_RESUME_LO) >>> 0);
    return { ...reply, converted: { records, resumeAt } };
  }

  /** Asks the worker to return from its serving task (the worker stays up). */
  stop(): void {
    if (this.#dead) return;
    Atomics.store(this.#ctrl, SLOT.OP, MAILBOX_OP.STOP);
    Atomics.store(this.#ctrl, SLOT.STATE, MAILBOX_STATE.REQUEST);
    Atomics.notify(this.#ctrl, SLOT.STATE);
  }

  /** Discards the mailbox: a pending call resolves 'dead'. Does not touch the worker. */
  discard(): void {
    if (this.#dead) return;
    this.#dead = true;
    Atomics.store(this.#ctrl, SLOT.STATE, MAILBOX_STATE.DEAD);
    Atomics.notify(this.#ctrl, SLOT.STATE);
    this.#port.close();
  }

  /** Discards the mailbox and has piscina terminate (and replace) the worker serving it. */
  kill(reason: unknown): void {
    this.discard();
    this.signal.abort(reason);
  }

  #wait(value: number): Promise<unknown> {
    const r = waitAsync(this.#ctrl, SLOT.STATE, value);
    return r.async ? r.value : Promise.resolve(r.value);
  }
}
