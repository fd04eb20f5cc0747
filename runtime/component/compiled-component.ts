/**
 * A transpiled component made ready to instantiate, synchronously (a sandbox worker does it
 * inside a call): its core modules compiled, with every memory they define bounded by
 * MODULE_MEMORY_MAX_BYTES, and jco's `instantiate` function evaluated from the bindings.
 *
 * The bindings are JavaScript that jco generated from the component; they come from the
 * bucket's cache. They run in a `vm` context of their own whose only globals are the
 * JavaScript builtins, WebAssembly and the text codecs: no `process`, `require` or `import`.
 * (A vm context is not a security boundary against hostile code; the cache is trusted as the
 * bucket's other cluster state is, and it is keyed by the component's sha256.)
 */
import { createContext, runInContext } from 'node:vm';
import { MODULE_MEMORY_MAX_BYTES, WASM_PAGE_BYTES } from '../constants.js';
import { ModuleValidationError } from '../module-validation-error.js';
import { WasmFormatError, withMemoryMaximum } from '../wasm-binary.js';
import { decodeTranspiled, type TranspiledComponent } from './transpiled.js';
import { INIT_EXPORT, worldByName, type WorldInfo } from './worlds.js';

/** jco's generated `instantiate` (instantiation "sync"). */
export type JcoInstantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, Record<string, unknown>>,
  instantiateCore: (module: WebAssembly.Module, imports?: WebAssembly.Imports) => WebAssembly.Instance,
) => Record<string, unknown>;

export interface CompiledComponent {
  world: WorldInfo;
  instantiate: JcoInstantiate;
  cores: Map<string, WebAssembly.Module>;
  /** The core module whose instance exports the world's functions, cabi_realloc and the memory. */
  main: WebAssembly.Module;
  /** Post-return functions the main module exports (cabi_post_<name>), by export name. */
  postReturns: Set<string>;
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
  const maxPages = Math.floor(MODULE_MEMORY_MAX_BYTES / WASM_PAGE_BYTES);
  const cores = new Map<string, WebAssembly.Module>();
  let bindings: string | undefined;
  let main: WebAssembly.Module | undefined;
  const postReturns = new Set<string>();
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
    const exports = new Map(WebAssembly.Module.exports(compiled).map((e) => [e.name, e.kind]));
    if (exports.get(world.exportName) === 'function' && exports.get(INIT_EXPORT) === 'function' && exports.get('cabi_realloc') === 'function' && exports.get('memory') === 'memory') {
      main = compiled;
      for (const [n, kind] of exports) if (kind === 'function' && n.startsWith('cabi_post_')) postReturns.add(n);
    }
  }
  if (bindings === undefined) throw new ModuleValidationError('transpiled component has no bindings');
  if (main === undefined) {
    throw new ModuleValidationError(
      `no core module of the component exports "${world.exportName}", "${INIT_EXPORT}", "cabi_realloc" and its memory: sluice calls the world's functions on the core module as wit-bindgen, componentize-js and wit-component lay them out`,
    );
  }
  return { world, instantiate: evaluateBindings(bindings), cores, main, postReturns };
}

export function compileTranspiledBytes(bytes: Uint8Array): CompiledComponent {
  return compileTranspiled(decodeTranspiled(bytes));
}
