/**
 * A module source directory, in one of three languages: AssemblyScript (`assembly/index.ts`),
 * Rust (a cargo package: `Cargo.toml` naming sdk/rust by path) or JavaScript (`index.js`, always
 * a component), plus `sluice.yaml` naming it:
 *
 *   name: json-filter          # defaults to the directory name
 *   kind: filter               # optional; checked against the built module
 *   world: filter              # a component of this sdk/wit world (Rust, JavaScript); a core module without it
 *   description: ...
 *   params: { field: "..." }   # documentation only
 *   build:
 *     maximumMemoryPages: 16   # optional, ≤ 1024 (asc --maximumMemory; wasm-ld --max-memory)
 *     ascArgs: []              # optional extra asc arguments (AssemblyScript only)
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { MODULE_MEMORY_MAX_BYTES, MODULE_NAME_MAX_CHARS, WASM_PAGE_BYTES } from '../constants.js';
import { MODULE_KINDS } from '../kinds/index.js';
import { WORLDS } from '../component/worlds.js';

export const MODULE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

const manifestSchema = z
  .object({
    name: z.string().max(MODULE_NAME_MAX_CHARS).regex(MODULE_NAME_PATTERN, 'lower-case letters, digits, ".", "_" and "-"').optional(),
    kind: z.enum(MODULE_KINDS as [string, ...string[]]).optional(),
    world: z.enum(WORLDS.map((w) => w.world) as [string, ...string[]]).optional(),
    description: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    build: z
      .object({
        maximumMemoryPages: z.number().int().min(1).max(MODULE_MEMORY_MAX_BYTES / WASM_PAGE_BYTES).optional(),
        ascArgs: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ModuleLanguage = 'assemblyscript' | 'rust' | 'javascript';

export interface ModuleManifest {
  dir: string;
  name: string;
  kind?: string;
  description?: string;
  language: ModuleLanguage;
  /** assembly/index.ts (AssemblyScript), Cargo.toml (Rust) or index.js (JavaScript). */
  entry: string;
  /** Built as a component of this world of sdk/wit (`filter`, …); absent for a core module. */
  world?: string;
  maximumMemoryPages: number;
  ascArgs: string[];
}

export const MANIFEST_FILE = 'sluice.yaml';
export const CARGO_MANIFEST_FILE = 'Cargo.toml';
const AS_ENTRY = ['assembly', 'index.ts'] as const;
export const JS_ENTRY = 'index.js';

/** The language of a module directory, or null when it holds no module; throws when it holds more than one. */
export function moduleLanguageOrNull(dir: string): ModuleLanguage | null {
  const found: ModuleLanguage[] = [];
  if (existsSync(join(dir, ...AS_ENTRY))) found.push('assemblyscript');
  if (existsSync(join(dir, CARGO_MANIFEST_FILE))) found.push('rust');
  if (existsSync(join(dir, JS_ENTRY))) found.push('javascript');
  if (found.length > 1) throw new Error(`${dir}: holds ${found.join(' and ')} sources (assembly/index.ts, Cargo.toml, index.js); keep one language per module directory`);
  return found[0] ?? null;
}

function moduleLanguage(dir: string): ModuleLanguage {
  const language = moduleLanguageOrNull(dir);
  if (language === null) throw new Error(`${dir}: no assembly/index.ts (AssemblyScript), Cargo.toml (Rust) or index.js (JavaScript component)`);
  return language;
}

/** Reads `<dir>/sluice.yaml` (optional) and finds the entry file; throws with one line naming the problem. */
export function readModuleManifest(dir: string): ModuleManifest {
  const language = moduleLanguage(dir);
  const entry = language === 'rust' ? join(dir, CARGO_MANIFEST_FILE) : language === 'javascript' ? join(dir, JS_ENTRY) : join(dir, ...AS_ENTRY);
  const file = join(dir, MANIFEST_FILE);
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      raw = parse(readFileSync(file, 'utf8')) ?? {};
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const m = parsed.data;
  const name = m.name ?? basename(dir);
  if (!MODULE_NAME_PATTERN.test(name)) throw new Error(`${dir}: module name "${name}" must match ${MODULE_NAME_PATTERN}`);
  if (language !== 'assemblyscript' && m.build?.ascArgs !== undefined) throw new Error(`${file}: build.ascArgs: only for AssemblyScript modules`);
  if (language === 'assemblyscript' && m.world !== undefined) throw new Error(`${file}: world: AssemblyScript builds core modules (ABI v1); components come from Rust or JavaScript`);
  if (language === 'javascript' && m.world === undefined) throw new Error(`${file}: world: a JavaScript module is a component; name its world (${WORLDS.map((w) => w.world).join(', ')})`);
  const worldKind = WORLDS.find((w) => w.world === m.world)?.kind;
  if (m.kind !== undefined && worldKind !== undefined && m.kind !== worldKind) throw new Error(`${file}: kind: ${m.kind}, but world ${m.world} makes a ${worldKind}`);
  const out: ModuleManifest = {
    dir,
    name,
    language,
    entry,
    maximumMemoryPages: m.build?.maximumMemoryPages ?? MODULE_MEMORY_MAX_BYTES / WASM_PAGE_BYTES,
    ascArgs: m.build?.ascArgs ?? [],
  };
  if (m.kind !== undefined) out.kind = m.kind;
  if (m.world !== undefined) out.world = m.world;
  if (m.description !== undefined) out.description = m.description;
  return out;
}

/** Where `sluice module build` writes a module dir's binary. */
export function moduleOutputPath(manifest: ModuleManifest): string {
  return join(manifest.dir, 'build', `${manifest.name}.wasm`);
}
