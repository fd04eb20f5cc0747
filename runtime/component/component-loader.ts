/**
 * Registering a component: check its world against sdk/wit/smartmodule.wit, then transpile it
 * with jco (@bytecodealliance/jco-transpile, loaded on first use) into JavaScript bindings and
 * core modules. The check reads the component's WIT (its imports and exports by name and
 * signature) and compares the TypeScript types jco derives from it with those of a reference
 * component made from the package's world, so a record with a field missing, renamed or of
 * another type is refused too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleValidationError } from '../module-validation-error.js';
import { encodeTranspiled, type TranspiledComponent } from './transpiled.js';
import { ALLOWED_IMPORTS, INIT_EXPORT, WIT_PACKAGE, WORLDS, qualifiedWorld, witDir, WIT_FILE, type WorldInfo } from './worlds.js';

/** The component-model layer of the binary header: `\0asm`, version 0x0d, layer 1. */
export function isComponent(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d && bytes[6] === 1 && bytes[7] === 0;
}

/** The transpiler's name and version: part of the bucket's cache key, so a newer one transpiles again. */
export const TRANSPILER = 'jco-transpile@0.14.0';

/** What jco is asked for: sync instantiation (a worker instantiates inside a call), no WASI shims (no WASI at all). */
const TRANSPILE_OPTIONS = {
  name: 'component',
  instantiation: 'sync',
  wasiShim: false,
  emitTypescriptDeclarations: true,
  base64Cutoff: 0,
} as const;

type Jco = typeof import('@bytecodealliance/jco-transpile');
type WasmTools = typeof import('@bytecodealliance/jco-transpile/wasm-tools');

let tools: Promise<{ jco: Jco; wasmTools: WasmTools }> | null = null;
function jcoTools(): Promise<{ jco: Jco; wasmTools: WasmTools }> {
  tools ??= Promise.all([import('@bytecodealliance/jco-transpile'), import('@bytecodealliance/jco-transpile/wasm-tools')]).then(([jco, wasmTools]) => ({ jco, wasmTools }));
  return tools;
}

/** The imports and exports of a component's root world, as `componentWit` prints them. */
export interface ComponentFace {
  imports: string[];
  /** Export name → its WIT signature (`func(…) -> …`). */
  exports: Map<string, string>;
}

/** Reads the root world of `componentWit` output: one item per line, as wit-component prints it. */
export function parseRootWorld(wit: string): ComponentFace {
  const face: ComponentFace = { imports: [], exports: new Map() };
  const body = /world root \{([\s\S]*)\}/.exec(wit)?.[1] ?? '';
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    const item = /^(import|export) (%?[\w:/.@-]+)(?:: (.*?))?;?$/.exec(line);
    if (item === null) continue;
    const name = item[2]!.replace(/^%/, '');
    if (item[1] === 'import') face.imports.push(name);
    else face.exports.set(name, (item[3] ?? 'interface').replace(/;$/, ''));
  }
  return face;
}

/** The world a component's exports make, or a ModuleValidationError naming what is wrong. */
export function worldOf(face: ComponentFace): WorldInfo {
  for (const imp of face.imports) {
    if (!ALLOWED_IMPORTS.has(imp)) {
      throw new ModuleValidationError(`component imports "${imp}": a ${WIT_PACKAGE} component may import only ${[...ALLOWED_IMPORTS].map((i) => `"${i}"`).join(' and ')}`);
    }
  }
  const names = [...face.exports.keys()].sort();
  const world = WORLDS.find((w) => names.length === 2 && names.includes(INIT_EXPORT) && names.includes(w.exportName));
  if (world === undefined) {
    throw new ModuleValidationError(
      `component exports ${names.map((n) => `"${n}"`).join(', ') || 'nothing'}: not a world of ${WIT_PACKAGE} (${WORLDS.map((w) => w.world).join(', ')}: each exports "init" and its batch function)`,
    );
  }
  return world;
}

const decoder = new TextDecoder();
const dtsOf = (files: Record<string, Uint8Array>): Map<string, string> =>
  new Map(Object.entries(files).filter(([n]) => n.endsWith('.d.ts')).map(([n, b]) => [n, decoder.decode(b)]));

/** Reference transpilations of the package's worlds (a component made with no code, `jco embed --dummy`), by world. */
const references = new Map<string, Promise<{ face: ComponentFace; dts: Map<string, string> }>>();

function reference(world: WorldInfo): Promise<{ face: ComponentFace; dts: Map<string, string> }> {
  let r = references.get(world.world);
  if (r === undefined) {
    r = (async () => {
      const { jco, wasmTools } = await jcoTools();
      const witSource = readFileSync(join(witDir(), WIT_FILE), 'utf8');
      const component = await wasmTools.componentNew(await wasmTools.componentEmbed({ dummy: true, witSource, world: world.world === 'map' ? '%map' : world.world }));
      const face = parseRootWorld(await wasmTools.componentWit(component));
      const out = await jco.transpileBytes(component, TRANSPILE_OPTIONS);
      return { face, dts: dtsOf(out.files) };
    })();
    references.set(world.world, r);
  }
  return r;
}

/** Lines of a TypeScript declaration file that name the optional log import (a component need not have it). */
const withoutLog = (dts: string): string => dts.split('\n').filter((l) => !/sluice-smartmodule-log|SluiceSmartmoduleLog|smartmodule\/log@/.test(l)).join('\n');

function compareTypes(world: WorldInfo, got: Map<string, string>, want: Map<string, string>): void {
  for (const [file, text] of want) {
    if (file.includes('sluice-smartmodule-log')) continue;
    const mine = got.get(file);
    if (mine === undefined) continue; // a type the component does not use
    const a = withoutLog(mine).split('\n');
    const b = withoutLog(text).split('\n');
    const i = a.findIndex((line, j) => line !== b[j]);
    if (i >= 0 || a.length !== b.length) {
      const at = i >= 0 ? i : Math.min(a.length, b.length);
      throw new ModuleValidationError(
        `component types differ from ${qualifiedWorld(world)} (${file.replace(/\.d\.ts$/, '')}): has "${(a[at] ?? '').trim()}" where the package has "${(b[at] ?? '').trim()}"`,
      );
    }
  }
}

/**
 * Checks `bytes` (a component) against the package and transpiles it. Throws
 * ModuleValidationError naming an import outside the world, an unknown world, or a type that
 * differs from the package's.
 */
export async function transpileComponent(bytes: Uint8Array): Promise<TranspiledComponent> {
  const { jco, wasmTools } = await jcoTools();
  let face: ComponentFace;
  try {
    face = parseRootWorld(await wasmTools.componentWit(bytes));
  } catch (err) {
    throw new ModuleValidationError(`not a valid WebAssembly component: ${jcoErrorText(err)}`, { cause: err });
  }
  const world = worldOf(face);
  const ref = await reference(world);
  for (const [name, signature] of face.exports) {
    const want = ref.face.exports.get(name);
    if (want !== signature) throw new ModuleValidationError(`component export "${name}: ${signature}" differs from ${qualifiedWorld(world)}, which has "${name}: ${want}"`);
  }
  let out: Awaited<ReturnType<Jco['transpileBytes']>>;
  try {
    out = await jco.transpileBytes(bytes, TRANSPILE_OPTIONS);
  } catch (err) {
    throw new ModuleValidationError(`jco could not transpile the component: ${jcoErrorText(err)}`, { cause: err });
  }
  compareTypes(world, dtsOf(out.files), ref.dts);
  const files = new Map(Object.entries(out.files).filter(([n]) => !n.endsWith('.d.ts')));
  return { world: world.world, transpiler: TRANSPILER, files };
}

/** transpileComponent, as the bytes the bucket caches. */
export async function transpileComponentBytes(bytes: Uint8Array): Promise<Uint8Array> {
  return encodeTranspiled(await transpileComponent(bytes));
}

/** The first line of an error from jco or wasm-tools (their errors carry it in `payload`). */
export function jcoErrorText(err: unknown): string {
  const e = err as { message?: unknown; payload?: unknown };
  const text = typeof e?.payload === 'string' ? e.payload : typeof e?.message === 'string' ? e.message : String(err);
  return text.split('\n')[0]!;
}
