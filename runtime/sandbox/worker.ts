/**
 * Entry point of a sandbox worker thread (loaded by piscina). Keeps one instance per
 * (module, params, limits) key, runs one guest call per task, and hands the output back
 * as a transferred buffer. Guest failures come back as a reply, not a thrown error, because
 * worker errors lose their fields on the way to the host.
 */
import { threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ModuleInstance } from '../instance.js';
import { SANDBOX_WORKER_INSTANCES_MAX } from '../constants.js';
import { ownBuffer, type PingTask, type RunReply, type RunTask } from './messages.js';
import { guestErrorOf } from './guest-error.js';

// Insertion order of a Map is our LRU order: a hit is deleted and set again.
const instances = new Map<string, ModuleInstance>();
/** Modules compiled in this worker, by module id (one compile per module, whatever its params). */
const compiledModules = new Map<string, WebAssembly.Module>();

function compiledFor(moduleId: string, bytes: Uint8Array): WebAssembly.Module {
  let compiled = compiledModules.get(moduleId);
  if (compiled === undefined) {
    compiled = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    if (compiledModules.size >= SANDBOX_WORKER_INSTANCES_MAX) {
      const oldest = compiledModules.keys().next().value;
      if (oldest !== undefined) compiledModules.delete(oldest);
    }
    compiledModules.set(moduleId, compiled);
  }
  return compiled;
}

interface Movable {
  readonly [key: symbol]: unknown;
}

/** The reply with the buffers to transfer (piscina sends them in the transfer list, not cloned). */
function move(reply: RunReply, transfer: ArrayBuffer[]): Movable {
  return Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: reply } as never) as unknown as Movable;
}

export default function runBatch(task: RunTask | PingTask): Movable | RunReply | 'pong' {
  if ('ping' in task) return 'pong';
  let instance = instances.get(task.key);
  if (instance === undefined) {
    if (task.spec === undefined) {
      const transfer = task.state === null ? [task.input] : [task.input, task.state];
      return move({ status: 'miss', input: task.input, state: task.state }, transfer);
    }
    try {
      instance = ModuleInstance.create(compiledFor(task.spec.moduleId, task.spec.bytes), task.spec.params, task.spec.limits);
    } catch (err) {
      const { code, message } = guestErrorOf(err);
      return { status: 'error', kind: 'instantiate', code, message };
    }
    if (instances.size >= SANDBOX_WORKER_INSTANCES_MAX) {
      const oldest = instances.keys().next().value;
      if (oldest !== undefined) instances.delete(oldest);
    }
  } else {
    instances.delete(task.key);
  }
  instances.set(task.key, instance);

  let result: { output: Uint8Array; state: Uint8Array | null };
  try {
    result = instance.processEncoded(new Uint8Array(task.input), task.state === null ? null : new Uint8Array(task.state));
  } catch (err) {
    const failure = guestErrorOf(err);
    if (failure.kind === 'memory-limit') {
      // The guest touched all of its memory: rather than wait for this worker's GC to give it
      // back, the host replaces the worker and the whole isolate's memory returns at once.
      instances.delete(task.key);
      return { status: 'error', ...failure, recycleThreadId: threadId };
    }
    // The instance stays cached: after a trap it re-instantiates itself on its next call.
    return { status: 'error', ...failure };
  }
  const output = ownBuffer(result.output);
  const state = result.state === null ? null : ownBuffer(result.state);
  return move({ status: 'ok', output, state }, state === null ? [output] : [output, state]);
}
