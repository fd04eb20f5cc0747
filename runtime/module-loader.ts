/**
 * Validates a module binary against ABI v1 (or, for a component, against sdk/wit: component/)
 * and compiles it once. The compiled code is what instances (inline or in sandbox workers) are
 * made from.
 *
 * Memory policy: a core module must define (not import) exactly one memory, export it, and
 * declare a maximum of at most MODULE_MEMORY_MAX_BYTES. We refuse rather than rewrite the
 * binary, so the bytes stored in the registry are exactly the bytes that run. A component's
 * core modules are derived (transpiled) code: their memories get COMPONENT_MEMORY_MAX_BYTES imposed.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import {
  ABI_VERSION, COMPONENT_MEMORY_MAX_BYTES, LOAD_PROBE_DEADLINE_MS, LOAD_PROBE_HEAP_MB, MODULE_MAX_BYTES, MODULE_MEMORY_MAX_BYTES, WASM_PAGE_BYTES,
} from './constants.js';
import {
  AGGREGATE_FUNCTION_EXPORTS, ALLOWED_IMPORTS, IMPORT_NAMESPACE, MEMORY_EXPORT, REQUIRED_FUNCTION_EXPORTS,
  formatSignature,
} from './abi/exports.js';
import { kindRulesForCode, type ModuleKind } from './kinds/index.js';
import { readWasmLayout, WasmFormatError, type FuncSignature } from './wasm-binary.js';
import { ModuleValidationError } from './module-validation-error.js';
import type { GuestCode } from './guest-code.js';
import { isComponent, transpileComponentBytes } from './component/component-loader.js';
import { compileTranspiledBytes } from './component/compiled-component.js';
import { qualifiedWorld } from './component/worlds.js';

export type { ModuleKind } from './kinds/index.js';

export interface LoadedModule {
  /** sha256 hex of the bytes. */
  id: string;
  name?: string;
  kind: ModuleKind;
  abiVersion: number;
  /** The registered bytes: a core module, or a component. */
  bytes: Uint8Array;
  /** What runs: the compiled core module, or the component compiled from its transpiled form (createGuestInstance). */
  code: GuestCode;
  /** The compiled core module (ModuleInstance.create); for a component its main core module, which only code can run. */
  compiled: WebAssembly.Module;
  /** What a sandbox worker compiles itself: `bytes` for a core module, the transpiled component (transpiled.ts) for a component. */
  workerBytes: Uint8Array;
  /** The guest memory maximum, in bytes: declared by a core module (≤ MODULE_MEMORY_MAX_BYTES), imposed on a component's (COMPONENT_MEMORY_MAX_BYTES). */
  memoryMaxBytes: number;
  /** A component's world in sdk/wit (`sluice:smartmodule/filter@1.0.0`); absent for a core module. */
  world?: string;
}

export { ModuleValidationError } from './module-validation-error.js';

export function moduleId(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const sameSignature = (a: FuncSignature, b: FuncSignature): boolean =>
  a.params.join() === b.params.join() && a.results.join() === b.results.join();

function checkImports(compiled: WebAssembly.Module): void {
  for (const imp of WebAssembly.Module.imports(compiled)) {
    const what = `module imports "${imp.module}"."${imp.name}"`;
    if (imp.module !== IMPORT_NAMESPACE) {
      throw new ModuleValidationError(`${what}: only the "${IMPORT_NAMESPACE}" namespace is allowed`);
    }
    if (imp.kind !== 'function' || !ALLOWED_IMPORTS.has(imp.name)) {
      const allowed = [...ALLOWED_IMPORTS.keys()].map((n) => `"${n}"`).join(', ');
      throw new ModuleValidationError(`${what}: the "${IMPORT_NAMESPACE}" namespace has only ${allowed}`);
    }
  }
}

function checkExports(compiled: WebAssembly.Module, signatures: Map<string, FuncSignature>): void {
  const exports = new Map(WebAssembly.Module.exports(compiled).map((e) => [e.name, e.kind]));
  if (exports.get(MEMORY_EXPORT) !== 'memory') {
    throw new ModuleValidationError(`module does not export its memory as "${MEMORY_EXPORT}"`);
  }
  for (const [name, want] of REQUIRED_FUNCTION_EXPORTS) checkFunction(name, want, exports, signatures);
}

function checkFunction(
  name: string,
  want: FuncSignature,
  exports: Map<string, string>,
  signatures: Map<string, FuncSignature>,
): void {
  if (exports.get(name) !== 'function') {
    throw new ModuleValidationError(`module does not export function "${name}" ${formatSignature(want)} (ABI v${ABI_VERSION})`);
  }
  const got = signatures.get(name);
  if (got && !sameSignature(got, want)) {
    throw new ModuleValidationError(
      `export "${name}" has signature ${formatSignature(got)}; ABI v${ABI_VERSION} requires ${formatSignature(want)}`,
    );
  }
}

function checkMemory(bytes: Uint8Array): number {
  const { memories } = readWasmLayout(bytes);
  if (memories.length !== 1) throw new ModuleValidationError(`module has ${memories.length} memories; ABI v${ABI_VERSION} needs exactly one`);
  const m = memories[0]!;
  const limitPages = Math.floor(MODULE_MEMORY_MAX_BYTES / WASM_PAGE_BYTES);
  if (m.memory64) throw new ModuleValidationError('module memory is 64-bit; ABI v1 is wasm32');
  if (m.shared) throw new ModuleValidationError('module memory is shared; ABI v1 memories are private to one instance');
  if (m.maxPages === null) {
    throw new ModuleValidationError(
      `module memory has no maximum: declare one of at most ${limitPages} pages (${MODULE_MEMORY_MAX_BYTES} bytes), e.g. asc --maximumMemory ${limitPages}`,
    );
  }
  if (m.maxPages > limitPages) {
    throw new ModuleValidationError(
      `module memory maximum of ${m.maxPages} pages (${m.maxPages * WASM_PAGE_BYTES} bytes) exceeds the limit of ${limitPages} pages (${MODULE_MEMORY_MAX_BYTES} bytes)`,
    );
  }
  return m.maxPages * WASM_PAGE_BYTES;
}

// Runs in a throwaway worker: CommonJS source, given the compiled module in workerData.
const PROBE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try {
  const ex = new WebAssembly.Instance(workerData, { sluice: { log() {} } }).exports;
  parentPort.postMessage({ ok: true, abiVersion: ex.sluice_abi_version(), kindCode: ex.sluice_kind() });
} catch (err) {
  parentPort.postMessage({ ok: false, message: String((err && err.message) || err) });
}`;

/**
 * Instantiates the module once to read sluice_abi_version and sluice_kind (the AssemblyScript
 * SDK learns its kind in the start function). This runs guest code, so it runs in a worker
 * with a deadline: a start function that never returns cannot hang the host.
 */
function probeModule(compiled: WebAssembly.Module): Promise<{ abiVersion: number; kindCode: number }> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(PROBE_WORKER_SOURCE, {
      eval: true,
      workerData: compiled,
      resourceLimits: { maxOldGenerationSizeMb: LOAD_PROBE_HEAP_MB, maxYoungGenerationSizeMb: LOAD_PROBE_HEAP_MB },
    });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(
      () => settle(() => reject(new ModuleValidationError(`module failed to start: its start function did not return within ${LOAD_PROBE_DEADLINE_MS} ms`))),
      LOAD_PROBE_DEADLINE_MS,
    );
    worker.on('message', (m: { ok: true; abiVersion: number; kindCode: number } | { ok: false; message: string }) =>
      settle(() => (m.ok ? resolvePromise({ abiVersion: m.abiVersion, kindCode: m.kindCode }) : reject(new ModuleValidationError(`module failed to start: ${m.message}`)))),
    );
    worker.on('error', (err) => settle(() => reject(new ModuleValidationError(`module failed to start: ${err.message}`, { cause: err }))));
    worker.on('exit', (code) => settle(() => reject(new ModuleValidationError(`module failed to start: probe exited with code ${code}`))));
  });
}

/**
 * Validates and compiles `bytes`, a core module or a component. Throws ModuleValidationError
 * naming what is wrong. Runs a core module's start function once, on a throwaway instance in a
 * worker, to read its ABI version and kind. A component is transpiled unless `opts.transpiled`
 * holds its transpiled form already (the bucket's cache, registry.ts).
 */
export async function loadModule(bytes: Uint8Array, opts?: { name?: string; transpiled?: Uint8Array }): Promise<LoadedModule> {
  if (bytes.length > MODULE_MAX_BYTES) {
    throw new ModuleValidationError(`module of ${bytes.length} bytes exceeds the limit of ${MODULE_MAX_BYTES} bytes`);
  }
  if (isComponent(bytes)) return loadComponent(bytes, opts ?? {});
  let compiled: WebAssembly.Module;
  try {
    compiled = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new ModuleValidationError(`not a valid WebAssembly module: ${(err as Error).message}`, { cause: err });
  }
  checkImports(compiled);
  let signatures: Map<string, FuncSignature>;
  let memoryMaxBytes: number;
  try {
    signatures = readWasmLayout(bytes).exportedFunctions;
    memoryMaxBytes = checkMemory(bytes);
  } catch (err) {
    if (err instanceof WasmFormatError) throw new ModuleValidationError(`malformed module: ${err.message}`, { cause: err });
    throw err;
  }
  checkExports(compiled, signatures);

  const { abiVersion, kindCode } = await probeModule(compiled);
  if (abiVersion !== ABI_VERSION) {
    throw new ModuleValidationError(`module reports ABI version ${abiVersion} (sluice_abi_version); this host implements ${ABI_VERSION}`);
  }
  const rules = kindRulesForCode(kindCode);
  if (!rules) {
    throw new ModuleValidationError(
      `module reports kind ${kindCode} (sluice_kind); expected 1 filter, 2 map, 3 filter_map, 4 array_map or 5 aggregate${kindCode === 0 ? ' (did it register a function?)' : ''}`,
    );
  }
  if (rules.usesState) {
    const exports = new Map(WebAssembly.Module.exports(compiled).map((e) => [e.name, e.kind]));
    for (const [name, want] of AGGREGATE_FUNCTION_EXPORTS) checkFunction(name, want, exports, signatures);
  }
  const loaded: LoadedModule = {
    id: moduleId(bytes),
    kind: rules.kind,
    abiVersion,
    bytes,
    code: { format: 'core', compiled },
    compiled,
    workerBytes: bytes,
    memoryMaxBytes,
  };
  if (opts?.name !== undefined) loaded.name = opts.name;
  return loaded;
}

/**
 * A component: checked against sdk/wit and transpiled (or taken from `opts.transpiled`, what the
 * bucket caches), then compiled. No guest code runs here: the world is read from the binary.
 */
async function loadComponent(bytes: Uint8Array, opts: { name?: string; transpiled?: Uint8Array }): Promise<LoadedModule> {
  const transpiled = opts.transpiled ?? (await transpileComponentBytes(bytes));
  const component = compileTranspiledBytes(transpiled);
  const loaded: LoadedModule = {
    id: moduleId(bytes),
    kind: component.world.kind,
    abiVersion: ABI_VERSION,
    bytes,
    code: { format: 'component', component },
    compiled: component.main,
    workerBytes: transpiled,
    memoryMaxBytes: COMPONENT_MEMORY_MAX_BYTES,
    world: qualifiedWorld(component.world),
  };
  if (opts.name !== undefined) loaded.name = opts.name;
  return loaded;
}
