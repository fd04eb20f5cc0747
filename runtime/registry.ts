/**
 * Modules in the bucket: the binary under its sha256 (`modules/<sha256>.wasm`, written once,
 * shared by every name that points at it) and one small JSON entry per name
 * (`modules/names/<name>.json`). A module is validated with loadModule before anything is stored.
 * A component's transpiled form is cached beside it (`modules/transpiled/<sha256>.<transpiler>.bin`),
 * so a restarted broker, or another one on the same bucket, never transpiles it again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectStore } from '../broker/storage/object-store.js';
import { ObjectNotFoundError } from '../broker/storage/object-store.js';
import { MODULE_NAME_MAX_CHARS } from './constants.js';
import { loadModule, moduleId, type LoadedModule, type ModuleKind } from './module-loader.js';
import type { ModuleFormat } from './guest-code.js';
import { isComponent, TRANSPILER, transpileComponentBytes } from './component/component-loader.js';
import { MODULE_NAME_PATTERN, moduleOutputPath, readModuleManifest } from './build/module-manifest.js';
import { moduleDirsIn } from './build/module-build.js';

export const MODULES_PREFIX = 'modules/';
export const MODULE_NAMES_PREFIX = 'modules/names/';
export const TRANSPILED_PREFIX = 'modules/transpiled/';

export interface ModuleEntry {
  name: string;
  /** sha256 hex of the binary. */
  id: string;
  kind: ModuleKind;
  abiVersion: number;
  /** A core module (ABI v1) or a component (sdk/wit); entries written before components existed have none: core. */
  format?: ModuleFormat;
  /** A component's world, e.g. `sluice:smartmodule/filter@1.0.0`. */
  world?: string;
  sizeBytes: number;
  createdAt: string;
}

export class ModuleNotFoundError extends Error {
  constructor(readonly moduleName: string) {
    super(`module "${moduleName}" does not exist`);
    this.name = 'ModuleNotFoundError';
  }
}

export class ModuleNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleNameError';
  }
}

export function checkModuleName(name: string): void {
  if (name.length === 0 || name.length > MODULE_NAME_MAX_CHARS || !MODULE_NAME_PATTERN.test(name)) {
    throw new ModuleNameError(
      `module name "${name}" must be 1-${MODULE_NAME_MAX_CHARS} characters of a-z 0-9 . _ - starting with a letter or digit`,
    );
  }
}

const binaryKey = (id: string): string => `${MODULES_PREFIX}${id}.wasm`;
/** The transpiler is part of the key: a host with another one transpiles again rather than run output it did not make. */
export const transpiledKey = (id: string): string => `${TRANSPILED_PREFIX}${id}.${TRANSPILER.replace(/[^a-z0-9.-]/g, '-')}.bin`;
const nameKey = (name: string): string => `${MODULE_NAMES_PREFIX}${name}.json`;

function parseEntry(bytes: Uint8Array, key: string): ModuleEntry {
  const e = JSON.parse(new TextDecoder().decode(bytes)) as ModuleEntry;
  if (typeof e.name !== 'string' || typeof e.id !== 'string' || !/^[0-9a-f]{64}$/.test(e.id)) {
    throw new Error(`${key}: not a module entry`);
  }
  return e;
}

export class ModuleRegistry {
  constructor(private readonly store: ObjectStore) {}

  /**
   * Validates `bytes` and stores them under `name`, replacing what the name pointed at.
   * Throws ModuleValidationError (nothing stored) for a module that cannot run.
   */
  async create(name: string, bytes: Uint8Array): Promise<ModuleEntry> {
    checkModuleName(name);
    const loaded = await this.load(bytes, name);
    // Content-addressed: an existing object under this key already holds these exact bytes.
    await this.store.putIfAbsent(binaryKey(loaded.id), bytes);
    const entry: ModuleEntry = {
      name,
      id: loaded.id,
      kind: loaded.kind,
      abiVersion: loaded.abiVersion,
      format: loaded.code.format,
      sizeBytes: bytes.length,
      createdAt: new Date().toISOString(),
    };
    if (loaded.world !== undefined) entry.world = loaded.world;
    await this.store.put(nameKey(name), new TextEncoder().encode(JSON.stringify(entry)));
    return entry;
  }

  /**
   * loadModule, with a component's transpiled form taken from the bucket when it is there and
   * stored there when it was not (or did not load: made by a broken writer, or cut short).
   */
  private async load(bytes: Uint8Array, name?: string): Promise<LoadedModule> {
    const opts = name === undefined ? {} : { name };
    if (!isComponent(bytes)) return loadModule(bytes, opts);
    const id = moduleId(bytes);
    let cached: Uint8Array | null = null;
    try {
      cached = await this.store.get(transpiledKey(id));
    } catch (err) {
      if (!(err instanceof ObjectNotFoundError)) throw err;
    }
    if (cached !== null) {
      try {
        return await loadModule(bytes, { ...opts, transpiled: cached });
      } catch {
        cached = null; // transpile again below, and replace it
      }
    }
    const transpiled = await transpileComponentBytes(bytes);
    const loaded = await loadModule(bytes, { ...opts, transpiled });
    await this.store.put(transpiledKey(id), transpiled);
    return loaded;
  }

  async list(): Promise<ModuleEntry[]> {
    const out: ModuleEntry[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.list(MODULE_NAMES_PREFIX, after);
      if (page.length === 0) break;
      for (const info of page) {
        if (!info.key.endsWith('.json')) continue;
        try {
          out.push(parseEntry(await this.store.get(info.key), info.key));
        } catch (err) {
          if (!(err instanceof ObjectNotFoundError)) throw err; // deleted while listing
        }
      }
      after = page[page.length - 1]!.key;
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async entry(name: string): Promise<ModuleEntry> {
    checkModuleName(name);
    try {
      return parseEntry(await this.store.get(nameKey(name)), nameKey(name));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new ModuleNotFoundError(name);
      throw err;
    }
  }

  /** The entry and its binary, validated and compiled again (the bucket is not trusted blindly). */
  async get(name: string): Promise<{ entry: ModuleEntry; module: LoadedModule }> {
    const entry = await this.entry(name);
    const bytes = await this.store.get(binaryKey(entry.id));
    const module = await this.load(bytes, name);
    if (module.id !== entry.id) throw new Error(`module "${name}": binary ${entry.id} has changed in the bucket (now ${module.id})`);
    return { entry, module };
  }

  /** A binary by its sha256 (what an attachment pins), validated and compiled. */
  async loadById(id: string, name?: string): Promise<LoadedModule> {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`module id ${JSON.stringify(id)} is not a sha256`);
    let bytes: Uint8Array;
    try {
      bytes = await this.store.get(binaryKey(id));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new Error(`module binary ${id} is missing from the bucket`, { cause: err });
      throw err;
    }
    const module = await this.load(bytes, name);
    if (module.id !== id) throw new Error(`module binary ${id} has changed in the bucket (now ${module.id})`);
    return module;
  }

  /**
   * Removes the name, and the binary when no other name points at it, unless `keepBinary`: a
   * caller that cannot see the broker's attachments (which pin binaries by sha256) keeps it.
   */
  async delete(name: string, opts: { keepBinary?: boolean } = {}): Promise<void> {
    const entry = await this.entry(name);
    await this.store.delete(nameKey(name));
    if (opts.keepBinary === true) return;
    const others = await this.list();
    if (!others.some((e) => e.id === entry.id)) {
      await this.store.delete(binaryKey(entry.id));
      if (entry.format === 'component') await this.store.delete(transpiledKey(entry.id));
    }
  }
}

/**
 * Registers every built module under `modulesDir` (each `<dir>/build/<name>.wasm`, named by
 * its sluice.yaml): what `broker start --register-examples` calls. Modules not built yet are
 * skipped and listed in `missing`.
 */
export async function registerExampleModules(
  store: ObjectStore,
  modulesDir: string,
): Promise<{ registered: ModuleEntry[]; missing: string[] }> {
  const registry = new ModuleRegistry(store);
  const registered: ModuleEntry[] = [];
  const missing: string[] = [];
  for (const dir of moduleDirsIn(modulesDir)) {
    const manifest = readModuleManifest(dir);
    const file = moduleOutputPath(manifest);
    if (!existsSync(file)) {
      missing.push(manifest.name);
      continue;
    }
    registered.push(await registry.create(manifest.name, readFileSync(file)));
  }
  return { registered, missing };
}

/** The examples directory of this checkout. */
export function defaultModulesDir(root: string): string {
  return join(root, 'modules');
}
