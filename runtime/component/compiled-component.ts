/**
 * A transpiled component made ready to instantiate, synchronously (a sandbox worker does it
 * inside a call): its core modules compiled, with every memory they define bounded by
 * COMPONENT_MEMORY_MAX_BYTES, and jco's `instantiate` function evaluated from the bindings.
 *
 * The bindings are JavaScript that jco generated from the component; they come from the
 * bucket's cache. They run in a `vm` context of their own whose only globals are the
 * JavaScript builtins, WebAssembly and the text codecs: no `process`, `require` or `import`.
 * (A vm context is not a security boundary against hostile code; the cache is trusted as the
 * bucket's other cluster state is, and it is keyed by the component's sha256.)
 */
import { createContext, runInContext } from 'node:vm';
import { COMPONENT_MEMORY_MAX_BYTES, WASM_PAGE_BYTES } from '../constants.js';
import { ModuleValidationError } from '../module-validation-error.js';
import { WasmFormatError, withMemoryMaximum } from '../wasm-binary.js';
import { takesOneBlock } from './canonical-lower.js';
import { decodeTranspiled, type TranspiledComponent } from './transpiled.js';
import { INIT_EXPORT, worldByName, type WorldInfo } from './worlds.js';

/** jco's generated `instantiate` (instantiation "sync"). */
export type JcoInstantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, Record<string, unknown>>,
  instantiateCore: (module: WebAssembly.Module, imports?: WebAssembly.Imports) => WebAssembly.Instance,
) => Record<string, unknown>;

/** The core export names of the world's functions, allocator and memory. */
export interface CoreNames {
  call: string;
  init: string;
  /** The post-return functions, when the module exports them. */
  callPost: string | undefined;
  initPost: string | undefined;
  realloc: string;
  memory: string;
}

export interface CompiledComponent {
  world: WorldInfo;
  instantiate: JcoInstantiate;
  cores: Map<string, WebAssembly.Module>;
  /** The core module whose instance exports the world's functions, the allocator and the memory. */
  main: WebAssembly.Module;
  names: CoreNames;
  /** The main core module declares it takes a call's arguments as one block (canonical-lower.ts). */
  oneBlockArguments: boolean;
}

/**
 * The two ways wit-component names a world's functions in the core module: the legacy names
 * (`filter`, `cabi_post_filter`, `cabi_realloc`, `memory`: wit-bindgen until 2024,
 * componentize-js) and the standard "cm32p2" ones (`cm32p2||filter`, `cm32p2||filter_post`, …).
 */
function coreNames(exports: Map<string, string>, world: WorldInfo): CoreNames | null {
  const fn = (n: string): string | undefined => (exports.get(n) === 'function' ? n : undefined);
  const legacy = { call: world.exportName, init: INIT_EXPORT, callPost: `cabi_post_${world.exportName}`, initPost: `cabi_post_${INIT_EXPORT}`, realloc: 'cabi_realloc', memory: 'memory' };
  const standard = { call: `cm32p2||${world.exportName}`, init: `cm32p2||${INIT_EXPORT}`, callPost: `cm32p2||${world.exportName}_post`, initPost: `cm32p2||${INIT_EXPORT}_post`, realloc: 'cm32p2_realloc', memory: 'cm32p2_memory' };
  for (const n of [legacy, standard]) {
    if (fn(n.call) && fn(n.init) && fn(n.realloc) && exports.get(n.memory) === 'memory') {
      return { ...n, callPost: fn(n.callPost), initPost: fn(n.initPost) };
    }
  }
  return null;
}

const BINDINGS_FILE = /\.js$/;

/** Evaluates jco's ES module in a context of its own and returns its `instantiate`. */
function evaluateBindings(source: string): JcoInstantiate {
  // The bindings' only export statements are `export function instantiate(` and an empty `export const _util`.
  const script = source
    .replace(/^\s*"use components";/, '')
    .replace(/^export function instantiate\(/m, 'function instantiate(')
    .replace(/^export const _util = /m, 'const _util = ');
  if (/^\s*(import|export)\s/m.test(script)) throw new ModuleValidationError('transpiled bindings import or export more than instantiate: not made by this host');
  const context = createContext({ WebAssembly, TextDecoder, TextEncoder, console: { error: () => undefined, log: () => undefined, warn: () => undefined } });
  const instantiate = runInContext(`${script}\n;instantiate`, context) as unknown;
  if (typeof instantiate !== 'function') throw new ModuleValidationError('transpiled bindings have no instantiate function');
  return instantiate as JcoInstantiate;
}

export function compileTranspiled(t: TranspiledComponent): CompiledComponent {
  const world = worldByName(t.world);
  if (world === undefined) throw new ModuleValidationError(`transpiled component names an unknown world "${t.world}"`);
  const maxPages = Math.floor(COMPONENT_MEMORY_MAX_BYTES / WASM_PAGE_BYTES);
  const cores = new Map<string, WebAssembly.Module>();
  let bindings: string | undefined;
  let main: WebAssembly.Module | undefined;
  let names: CoreNames | null = null;
  for (const [name, bytes] of t.files) {
    if (BINDINGS_FILE.test(name)) {
      bindings = new TextDecoder().decode(bytes);
      continue;
    }
    let compiled: WebAssembly.Module;
    try {
      compiled = new WebAssembly.Module(withMemoryMaximum(bytes, maxPages) as Uint8Array<ArrayBuffer>);
    } catch (err) {
      if (err instanceof WasmFormatError) throw new ModuleValidationError(`component core module ${name}: ${err.message}`, { cause: err });
      throw new ModuleValidationError(`component core module ${name} does not compile: ${(err as Error).message}`, { cause: err });
    }
    cores.set(name, compiled);
    const found = coreNames(new Map(WebAssembly.Module.exports(compiled).map((e) => [e.name, e.kind])), world);
    if (found !== null && main === undefined) {
      main = compiled;
      names = found;
    }
  }
  if (bindings === undefined) throw new ModuleValidationError('transpiled component has no bindings');
  if (main === undefined || names === null) {
    throw new ModuleValidationError(
      `no core module of the component exports "${world.exportName}", "${INIT_EXPORT}", an allocator and its memory (as "cabi_realloc" and "memory", or the "cm32p2" names): sluice calls the world's functions on the core module as wit-component lays them out`,
    );
  }
  return { world, instantiate: evaluateBindings(bindings), cores, main, names, oneBlockArguments: takesOneBlock(main) };
}

export function compileTranspiledBytes(bytes: Uint8Array): CompiledComponent {
  return compileTranspiled(decodeTranspiled(bytes));
}
