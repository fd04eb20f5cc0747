/**
 * One instance of a component with its params: the GuestInstance of a component, beside
 * ModuleInstance for core modules. jco's bindings instantiate it (they wire the core modules and
 * the log import); each batch is then one call of the world's core export, with the batch
 * lowered by canonical-lower.ts, the result lifted by canonical-batch.ts and the post-return function called
 * after. After a trap the next call starts from a fresh instance, as ModuleInstance does.
 */
import { GUEST_ERROR_MESSAGE_MAX_BYTES, GUEST_LOG_CALLS_MAX_PER_BATCH, GUEST_LOG_MESSAGE_MAX_BYTES, OUTPUT_BATCH_MAX_BYTES } from '../constants.js';
import { ABI_ERROR, abiErrorName } from '../abi/error-codes.js';
import { KIND_RULES, checkStateLength, type KindRules, type ModuleKind } from '../kinds/index.js';
import { ModuleError } from '../module-error.js';
import type { GuestLogHandler, GuestLogLevel } from '../guest-imports.js';
import { checkProcessInput, memoryLimitError, type GuestInstance, type InstanceLimits, type ProcessOptions } from '../guest-instance.js';
import { MemoryViews, batchHelper, liftBatch, liftBatchInGuest, liftString, liftedBatchSize, type BatchHelper, type GuestMemory } from './canonical-batch.js';
import { lowerBatch, lowerList, lowerParams } from './canonical-lower.js';
import type { CompiledComponent } from './compiled-component.js';
import { ERROR_CODES, LOG_INTERFACE } from './worlds.js';

type CoreFn = (...args: number[]) => number;

interface Live {
  guest: GuestMemory;
  views: MemoryViews;
  /** canonical-batch.wat on the guest's memory and allocator. */
  helper: BatchHelper;
  /** The guest takes its arguments as one block (canonical-lower.ts). */
  oneBlock: boolean;
  call: CoreFn;
  init: CoreFn;
  postReturn: ((ret: number) => void) | undefined;
  postInit: ((ret: number) => void) | undefined;
}

const LEVELS: ReadonlySet<string> = new Set<GuestLogLevel>(['debug', 'info', 'warn', 'error']);
const NO_OPTIONS: ProcessOptions = {};

export class ComponentInstance implements GuestInstance {
  readonly kind: ModuleKind;
  private readonly rules: KindRules;
  private live: Live;
  private broken = false;
  private logCalls = 0;

  private constructor(
    private readonly component: CompiledComponent,
    private readonly params: Record<string, string>,
    private readonly limits: InstanceLimits,
  ) {
    this.kind = component.world.kind;
    this.rules = KIND_RULES[this.kind];
    this.live = this.instantiate();
  }

  /** Instantiates the component and runs init(params), synchronously. Throws ModuleError when init fails. */
  static create(component: CompiledComponent, params: Record<string, string>, limits: InstanceLimits = {}): ComponentInstance {
    return new ComponentInstance(component, params, limits);
  }

  private log(level: unknown, message: unknown): void {
    const onLog: GuestLogHandler | undefined = this.limits.onLog;
    if (onLog === undefined || ++this.logCalls > GUEST_LOG_CALLS_MAX_PER_BATCH) return;
    const text = String(message);
    const cut = text.length > GUEST_LOG_MESSAGE_MAX_BYTES ? text.slice(0, GUEST_LOG_MESSAGE_MAX_BYTES) : text;
    onLog(LEVELS.has(String(level)) ? (String(level) as GuestLogLevel) : 'info', cut);
  }

  private instantiate(): Live {
    const c = this.component;
    let main: WebAssembly.Instance | undefined;
    const log = { log: (level: unknown, message: unknown) => this.log(level, message) };
    try {
      c.instantiate(
        (name) => {
          const m = c.cores.get(name);
          if (m === undefined) throw new Error(`bindings ask for a core module "${name}" that the component does not have`);
          return m;
        },
        // jco looks imports up by interface name, without or with the version.
        { 'sluice:smartmodule/log': log, [LOG_INTERFACE]: log },
        (module, imports) => {
          const instance = new WebAssembly.Instance(module, imports);
          if (module === c.main) main = instance;
          return instance;
        },
      );
    } catch (err) {
      throw new ModuleError(ABI_ERROR.TRAP, `component failed to start: ${(err as Error).message}`, 'trap', { cause: err });
    }
    if (main === undefined) throw new ModuleError(ABI_ERROR.TRAP, 'component failed to start: its main core module was not instantiated', 'trap');
    const ex = main.exports as Record<string, unknown>;
    const n = c.names;
    const memory = ex[n.memory] as WebAssembly.Memory;
    const guest: GuestMemory = { realloc: ex[n.realloc] as GuestMemory['realloc'], memory };
    const post = (name: string | undefined): ((ret: number) => void) | undefined => (name === undefined ? undefined : (ex[name] as (ret: number) => void));
    const live: Live = {
      guest,
      views: new MemoryViews(memory),
      helper: batchHelper(guest),
      oneBlock: c.oneBlockArguments,
      call: ex[n.call] as CoreFn,
      init: ex[n.init] as CoreFn,
      postReturn: post(n.callPost),
      postInit: post(n.initPost),
    };
    this.runInit(live);
    return live;
  }

  private runInit(live: Live): void {
    let ret: number;
    try {
      const { ptr, len } = lowerParams(live.guest, live.views, this.params);
      ret = live.init(ptr, len) >>> 0;
    } catch (err) {
      throw this.classifyTrap(live, err, 'init trapped');
    }
    const failure = this.resultError(live, ret);
    live.postInit?.(ret);
    if (failure !== null) throw new ModuleError(failure.code, `init failed: ${failure.message}`, 'guest-error');
  }

  /** The error of a `result<_, error>` at `ret` (discriminant @0, code @4, message @8), or null for ok. */
  private resultError(live: Live, ret: number): { code: number; message: string } | null {
    const v = live.views;
    v.refresh();
    if (ret + (this.rules.usesState ? 20 : 16) > v.u8.length) throw new ModuleError(ABI_ERROR.BAD_OUTPUT, `result at ${ret} lies outside guest memory`, 'guest-error');
    const disc = v.u8[ret]!;
    if (disc === 0) return null;
    if (disc !== 1) throw new ModuleError(ABI_ERROR.BAD_OUTPUT, `result discriminant ${disc}`, 'guest-error');
    const code = ERROR_CODES[v.u8[ret + 4]!];
    if (code === undefined) throw new ModuleError(ABI_ERROR.BAD_OUTPUT, `error code ${v.u8[ret + 4]} is not one of the package's`, 'guest-error');
    const message = liftString(v, v.dv.getUint32(ret + 8, true), v.dv.getUint32(ret + 12, true), GUEST_ERROR_MESSAGE_MAX_BYTES);
    return { code, message: message || abiErrorName(code) };
  }

  private classifyTrap(live: Live, err: unknown, context: string): ModuleError {
    this.broken = true;
    if (err instanceof ModuleError) return err;
    const trapText = err instanceof Error ? err.message : String(err);
    const atLimit = memoryLimitError(live.guest.memory, this.limits.memoryMaxBytes, context, trapText, err);
    return atLimit ?? new ModuleError(ABI_ERROR.TRAP, `${context}: ${trapText}`, 'trap', { cause: err });
  }

  processEncoded(input: Uint8Array, state: Uint8Array | null, options: ProcessOptions = NO_OPTIONS): { output: Uint8Array; state: Uint8Array | null } {
    checkProcessInput(input, state);
    if (this.broken) {
      this.live = this.instantiate();
      this.broken = false;
    }
    const live = this.live;
    const inCount = input[0]! | (input[1]! << 8) | (input[2]! << 16) | (input[3]! << 24);
    this.logCalls = 0;
    let ret: number;
    try {
      const { ptr, len } = lowerBatch(live.guest, live.views, input, live.helper, live.oneBlock);
      if (this.rules.usesState) {
        const statePtr = state === null ? 0 : lowerList(live.guest, live.views, state);
        ret = live.call(ptr, len, state === null ? 0 : 1, statePtr, state === null ? 0 : state.length) >>> 0;
      } else {
        ret = live.call(ptr, len) >>> 0;
      }
    } catch (err) {
      throw this.classifyTrap(live, err, 'trap');
    }
    try {
      return this.readResult(live, ret, inCount, options);
    } catch (err) {
      // A result we could not take: start the next batch from a fresh instance.
      if (!(err instanceof ModuleError && err.kind === 'guest-error' && err.code !== ABI_ERROR.BAD_OUTPUT)) this.broken = true;
      throw err;
    }
  }

  /** Throws MEMORY_LIMIT when the guest's memory has grown past the instance's bound. */
  private checkMemory(live: Live): void {
    const memoryBytes = live.guest.memory.buffer.byteLength;
    if (this.limits.memoryMaxBytes !== undefined && memoryBytes > this.limits.memoryMaxBytes) {
      throw new ModuleError(ABI_ERROR.MEMORY_LIMIT, `guest memory grew to ${memoryBytes} bytes, over the limit of ${this.limits.memoryMaxBytes}`, 'memory-limit');
    }
  }

  private readResult(live: Live, ret: number, inCount: number, options: ProcessOptions): { output: Uint8Array; state: Uint8Array | null } {
    const v = live.views;
    this.checkMemory(live);
    const failure = this.resultError(live, ret);
    if (failure !== null) {
      live.postReturn?.(ret);
      throw new ModuleError(failure.code, failure.message, failure.code === ABI_ERROR.OUTPUT_TOO_LARGE ? 'output-too-large' : 'guest-error');
    }
    const listPtr = v.dv.getUint32(ret + 4, true);
    const listLen = v.dv.getUint32(ret + 8, true);
    const why = this.rules.checkOutputCount(inCount, listLen);
    if (why) throw new ModuleError(ABI_ERROR.BAD_OUTPUT, why, 'guest-error');
    const outMax = this.limits.outputMaxBytes ?? OUTPUT_BATCH_MAX_BYTES;
    const size = liftedBatchSize(v, listPtr, listLen, outMax);
    let output: Uint8Array;
    if (!live.oneBlock) {
      output = liftBatch(v, listPtr, listLen, size, options.outputBuffers);
    } else {
      try {
        output = liftBatchInGuest(live.guest, v, live.helper, listPtr, listLen, size, outMax, options.outputBuffers);
      } catch (err) {
        throw this.classifyTrap(live, err, 'lifting the output trapped');
      }
      this.checkMemory(live);
    }
    let newState: Uint8Array | null = null;
    if (this.rules.usesState) {
      const ptr = v.dv.getUint32(ret + 12, true);
      const len = v.dv.getUint32(ret + 16, true);
      const bad = checkStateLength(len);
      if (bad) throw new ModuleError(ABI_ERROR.OUTPUT_TOO_LARGE, bad, 'output-too-large');
      if (ptr + len > v.u8.length) throw new ModuleError(ABI_ERROR.BAD_OUTPUT, `state region ${ptr}+${len} lies outside guest memory`, 'guest-error');
      newState = v.u8.slice(ptr, ptr + len);
    }
    try {
      live.postReturn?.(ret);
    } catch (err) {
      throw this.classifyTrap(live, err, 'post-return trapped');
    }
    return { output, state: newState };
  }
}
