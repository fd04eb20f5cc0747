/**
 * Entry point of a sandbox worker thread (loaded by piscina). Its one long task serves a
 * shared-memory mailbox (mailbox-layout.ts): poll briefly after each batch, then sleep on the
 * mailbox until the host notifies. Keeps one instance per (module, params, limits) key and runs
 * one guest call per batch. Guest failures come back as replies, not thrown errors, because
 * worker errors lose their fields on the way to the host.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { createGuestInstance, type GuestCode } from '../guest-code.js';
import type { GuestInstance } from '../guest-instance.js';
import { compileTranspiledBytes } from '../component/compiled-component.js';
import {
  SANDBOX_MAILBOX_SLEEP_MS, SANDBOX_MAILBOX_SPIN_US, SANDBOX_MAILBOX_WARM_MS, SANDBOX_MAILBOX_YIELD_MS, SANDBOX_WORKER_INSTANCES_MAX,
} from '../constants.js';
import { ownBuffer, type ModuleSpec, type PingTask } from './messages.js';
import type { ConvertedInput, InputConverter } from './runner.js';
import { badOutputOf, guestErrorOf } from './guest-error.js';
import { pollingPays } from './poll-gate.js';
import {
  MAILBOX_FLAG, MAILBOX_HEADER_BYTES, MAILBOX_HEADER_INTS, MAILBOX_OP, MAILBOX_STATE, MAILBOX_STATUS,
  SLOT, copyIntoRegion, copyOutOfRegion, pollState, stateOffset, type MailboxError, type ServeTask,
} from './mailbox-layout.js';

// Insertion order of a Map is our LRU order: a hit is deleted and set again.
const instances = new Map<number, GuestInstance>();
/** Modules compiled in this worker, by module id (one compile per module, whatever its params). */
const compiledModules = new Map<string, GuestCode>();

/**
 * The worker compiles the bytes itself: a WebAssembly.Module posted from the host runs slower
 * here (V8 tiers shared code up poorly). A component comes transpiled: its core modules are
 * compiled and its bindings evaluated here.
 */
function compiledFor(spec: ModuleSpec): GuestCode {
  let compiled = compiledModules.get(spec.moduleId);
  if (compiled === undefined) {
    compiled = spec.format === 'core'
      ? { format: 'core', compiled: new WebAssembly.Module(spec.bytes as Uint8Array<ArrayBuffer>) }
      : { format: 'component', component: compileTranspiledBytes(spec.bytes) };
    if (compiledModules.size >= SANDBOX_WORKER_INSTANCES_MAX) {
      const oldest = compiledModules.keys().next().value;
      if (oldest !== undefined) compiledModules.delete(oldest);
    }
    compiledModules.set(spec.moduleId, compiled);
  }
  return compiled;
}

type CallResult = { output: Uint8Array; state: Uint8Array | null } | MailboxError | 'miss';

/** The pool's input converter (ServeTask.serve.converter), imported when this worker starts serving. */
let converter: InputConverter | null = null;
/** Why the converter could not be imported: CONVERT_INPUT calls fail with it. */
let converterError = 'this sandbox has no input converter';
/** What the converter made of the request being served, null when it was not converted. */
let converted: ConvertedInput | null = null;

/**
 * The request being served (one at a time per worker), filled by readInput: one object reused
 * for every batch, so a call allocates nothing for the GC to collect mid-batch.
 */
const request: {
  ctrl: Int32Array;
  data: Uint8Array;
  port: MessagePort | null;
  flags: number;
  input: Uint8Array;
  state: Uint8Array | null;
  /** A transferred input's buffer: once the guest has its copy, the output can travel back in it. */
  portBuffer: ArrayBuffer | null;
} = { ctrl: new Int32Array(0), data: new Uint8Array(0), port: null, flags: 0, input: new Uint8Array(0), state: null, portBuffer: null };
/** The last view of the region handed out as input, reused while the input length repeats. */
let regionInput: Uint8Array = new Uint8Array(0);

function readInput(): void {
  const r = request;
  if ((r.flags & MAILBOX_FLAG.INPUT_ON_PORT) !== 0) {
    const m = receiveMessageOnPort(r.port!)?.message as { input: ArrayBuffer; state: ArrayBuffer | null };
    r.portBuffer = m.input;
    // A given input's buffer may be larger than the batch (RunOptions.buffers).
    r.input = new Uint8Array(m.input, 0, Atomics.load(r.ctrl, SLOT.IN_LEN));
    r.state = m.state === null ? null : new Uint8Array(m.state);
    return;
  }
  // The input is read in place: processEncoded copies it into guest memory once (staging it
  // only when the guest's address is not 8-aligned). The state is small: a private copy.
  const inLen = Atomics.load(r.ctrl, SLOT.IN_LEN);
  const stateLen = Atomics.load(r.ctrl, SLOT.IN_STATE_LEN);
  if (regionInput.buffer !== r.data.buffer || regionInput.length !== inLen) regionInput = r.data.subarray(0, inLen);
  r.input = regionInput;
  r.state = stateLen < 0 ? null : copyOutOfRegion(r.data, stateOffset(inLen), stateLen);
}

function readSpec(): ModuleSpec {
  return receiveMessageOnPort(request.port!)?.message as ModuleSpec;
}

function runOne(key: number): CallResult {
  const withSpec = (request.flags & MAILBOX_FLAG.SPEC_ON_PORT) !== 0;
  let instance = instances.get(key);
  if (instance === undefined) {
    if (!withSpec) return 'miss';
    // Input first: when it travels on the port it was sent before the spec.
    readInput();
    const spec = readSpec();
    try {
      instance = createGuestInstance(compiledFor(spec), spec.params, spec.limits);
    } catch (err) {
      const { code, message } = guestErrorOf(err);
      return { kind: 'instantiate', code, message, recycle: false };
    }
    if (instances.size >= SANDBOX_WORKER_INSTANCES_MAX) {
      const oldest = instances.keys().next().value;
      if (oldest !== undefined) instances.delete(oldest);
    }
    instances.set(key, instance);
    return convertAndCall(key, instance);
  }
  // Most recently used last (the LRU order above).
  instances.delete(key);
  instances.set(key, instance);
  readInput();
  if (withSpec) readSpec(); // a spec we did not need (should not happen): consume it to keep the port in step
  return convertAndCall(key, instance);
}

/** Calls the guest on the request's input, converted first when the request asks for it. */
function convertAndCall(key: number, instance: GuestInstance): CallResult {
  if ((request.flags & MAILBOX_FLAG.CONVERT_INPUT) === 0) return callGuest(key, instance, request.input, request.state);
  if (converter === null) return { kind: 'bad-input', code: 0, message: converterError, recycle: false };
  try {
    converted = converter.convert(request.input);
  } catch (err) {
    return { kind: 'input', code: 0, message: err instanceof Error ? err.message : String(err), recycle: false };
  }
  let result: CallResult;
  try {
    result = callGuest(key, instance, converted.abi, request.state);
  } finally {
    // The guest has its own copy of the batch by now.
    converter.release(converted.abi);
  }
  if (typeof result === 'string' || 'kind' in result || converter.convertOutput === undefined) return result;
  try {
    return { output: converter.convertOutput(result.output, converted), state: result.state };
  } catch (err) {
    return { ...badOutputOf(err), recycle: false };
  }
}

const OUTPUT_VIEW = { outputView: true } as const;

function callGuest(key: number, instance: GuestInstance, input: Uint8Array, state: Uint8Array | null): CallResult {
  try {
    // The output stays a view into guest memory: handle() copies it into the region (or onto the port) at once.
    return instance.processEncoded(input, state, OUTPUT_VIEW);
  } catch (err) {
    const failure = guestErrorOf(err);
    if (failure.kind === 'memory-limit') {
      // The guest touched all of its memory: rather than wait for this worker's GC to give it
      // back, the host replaces the worker and the whole isolate's memory returns at once.
      instances.delete(key);
      return { ...failure, recycle: true };
    }
    // The instance stays cached: after a trap it re-instantiates itself on its next call.
    return { ...failure, recycle: false };
  }
}

/** Runs the request in the mailbox and writes the reply; the caller flips STATE to DONE. */
function handle(ctrl: Int32Array, data: Uint8Array, port: MessagePort): void {
  const r = request;
  r.ctrl = ctrl;
  r.data = data;
  r.port = port;
  r.flags = Atomics.load(ctrl, SLOT.FLAGS);
  r.portBuffer = null;
  converted = null;
  Atomics.store(ctrl, SLOT.CONV_RECORDS, -1);
  let result: CallResult;
  try {
    result = runOne(Atomics.load(ctrl, SLOT.KEY));
  } catch (err) {
    result = { kind: 'bad-input', code: 0, message: err instanceof Error ? err.message : String(err), recycle: false };
  }
  // Hold on to nothing of this batch past the call.
  const inBuf = r.portBuffer as ArrayBuffer | null; // set by readInput, inside runOne
  r.portBuffer = null;
  r.state = null;
  if (r.input.buffer !== data.buffer) r.input = regionInput;
  if (result === 'miss') {
    Atomics.store(ctrl, SLOT.STATUS, MAILBOX_STATUS.MISS);
    return;
  }
  if ('kind' in result) {
    port.postMessage(result);
    Atomics.store(ctrl, SLOT.STATUS, MAILBOX_STATUS.ERROR);
    return;
  }
  const { output, state } = result;
  const conv = converted as ConvertedInput | null; // set by convertAndCall, inside runOne
  if (conv !== null) {
    Atomics.store(ctrl, SLOT.CONV_RECORDS, conv.records);
    Atomics.store(ctrl, SLOT.CONV_RESUME_LO, Number(BigInt.asIntN(32, conv.resumeAt)));
    Atomics.store(ctrl, SLOT.CONV_RESUME_HI, Number(BigInt.asIntN(32, conv.resumeAt >> 32n)));
    converted = null;
  }
  // The input came on the port: the output goes back in the same buffer, which this thread owns
  // and the guest no longer needs: one plain copy here, none on the host (docs/sandbox.md).
  const reuseInput = inBuf !== null && output.length <= inBuf.byteLength;
  const at = stateOffset(output.length);
  if (!reuseInput && (state === null ? output.length : at + state.length) <= data.length) {
    copyIntoRegion(data, 0, output);
    if (state !== null) copyIntoRegion(data, at, state);
    Atomics.store(ctrl, SLOT.OUT_LEN, output.length);
    Atomics.store(ctrl, SLOT.OUT_STATE_LEN, state === null ? -1 : state.length);
    Atomics.store(ctrl, SLOT.STATUS, MAILBOX_STATUS.OK);
    return;
  }
  let outBuf: ArrayBuffer;
  if (reuseInput) {
    outBuf = inBuf!;
    new Uint8Array(outBuf, 0, output.length).set(output);
  } else {
    outBuf = output.slice().buffer; // a view into guest memory: never transfer that buffer
  }
  const stateBuf = state === null ? null : ownBuffer(state);
  port.postMessage({ output: outBuf, outputLength: output.length, state: stateBuf }, stateBuf === null ? [outBuf] : [outBuf, stateBuf]);
  Atomics.store(ctrl, SLOT.STATUS, MAILBOX_STATUS.OK_ON_PORT);
}

type WaitAsync = (ta: Int32Array, index: number, value: number, timeoutMs: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const ready = (s: number): boolean => s === MAILBOX_STATE.REQUEST || s === MAILBOX_STATE.DEAD;

/**
 * Serves the mailbox until the host sends STOP or discards it; terminate ends it otherwise. After
 * a batch the worker waits for the next one in three steps, each cheaper in CPU and slower to
 * wake: it polls (SANDBOX_MAILBOX_SPIN_US, only while batches come back to back and polling pays,
 * see poll-gate.ts), then blocks on the mailbox with Atomics.wait until SANDBOX_MAILBOX_WARM_MS
 * have passed since the batch, then sleeps on its event loop with Atomics.waitAsync. It returns
 * to its event loop at least every SANDBOX_MAILBOX_YIELD_MS while busy or warm: V8 runs GC and
 * other housekeeping as event-loop tasks, and a worker that never returns to its loop slows down.
 */
async function serve(task: ServeTask): Promise<'stopped'> {
  const ctrl = new Int32Array(task.serve.sab, 0, MAILBOX_HEADER_INTS);
  const data = new Uint8Array(task.serve.sab, MAILBOX_HEADER_BYTES);
  const port = task.port;
  if (task.serve.converter !== null && converter === null) {
    // A converter that does not load fails the calls that need it, not the worker (which would be
    // replaced, and fail again, for ever).
    try {
      converter = ((await import(task.serve.converter)) as { inputConverter: InputConverter }).inputConverter;
    } catch (err) {
      converterError = `input converter ${task.serve.converter} did not load: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  // The host may already have asked us to stop (closing before we started): keep its request.
  Atomics.compareExchange(ctrl, SLOT.STATE, MAILBOX_STATE.BOOTING, MAILBOX_STATE.IDLE);
  Atomics.notify(ctrl, SLOT.STATE);
  const spinMs = SANDBOX_MAILBOX_SPIN_US / 1000;
  let lastYield = performance.now();
  let lastBatch = -Infinity;
  /** Whether the last request came within the poll window of the batch before it. */
  let backToBack = false;
  for (;;) {
    let s = Atomics.load(ctrl, SLOT.STATE);
    if (!ready(s) && backToBack && pollingPays(task.serve.polling)) s = pollState(ctrl, ready, performance.now() + spinMs);
    while (!ready(s)) {
      const now = performance.now();
      const warmLeft = lastBatch + SANDBOX_MAILBOX_WARM_MS - now;
      if (warmLeft > 0) {
        if (now - lastYield >= SANDBOX_MAILBOX_YIELD_MS) {
          await nextTurn();
          lastYield = performance.now();
        } else {
          Atomics.wait(ctrl, SLOT.STATE, s, Math.min(warmLeft, SANDBOX_MAILBOX_YIELD_MS - (now - lastYield)));
        }
      } else {
        const r = waitAsync(ctrl, SLOT.STATE, s, SANDBOX_MAILBOX_SLEEP_MS);
        if (r.async) await r.value;
        lastYield = performance.now();
      }
      s = Atomics.load(ctrl, SLOT.STATE);
    }
    if (s === MAILBOX_STATE.DEAD) break;
    // The gap as seen here includes a sleeping worker's wake-up: hence the slack.
    backToBack = performance.now() - lastBatch <= 2 * spinMs;
    if (Atomics.load(ctrl, SLOT.OP) === MAILBOX_OP.STOP) {
      Atomics.store(ctrl, SLOT.STATE, MAILBOX_STATE.DONE);
      Atomics.notify(ctrl, SLOT.STATE);
      break;
    }
    handle(ctrl, data, port);
    Atomics.store(ctrl, SLOT.STATE, MAILBOX_STATE.DONE);
    Atomics.notify(ctrl, SLOT.STATE);
    lastBatch = performance.now();
    if (lastBatch - lastYield >= SANDBOX_MAILBOX_YIELD_MS) {
      await nextTurn();
      lastYield = performance.now();
    }
  }
  port.close();
  return 'stopped';
}

export default function sandboxTask(task: PingTask | ServeTask): 'pong' | Promise<'stopped'> {
  if ('ping' in task) return 'pong';
  return serve(task);
}
