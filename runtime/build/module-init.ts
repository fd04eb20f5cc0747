/**
 * `sluice module init`: writes a new module directory of one kind in one language, from the
 * templates in sdk/templates, that builds and passes `sluice module test` on its
 * sample-input.txt as it is (the counterpart of `smdk generate` and `rpk transform init`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ModuleKind } from '../kinds/index.js';
import { MODULE_KINDS } from '../kinds/index.js';
import { MODULE_MEMORY_MAX_BYTES } from '../constants.js';
import { repoRoot } from './module-build.js';
import { MANIFEST_FILE, MODULE_NAME_PATTERN, type ModuleLanguage } from './module-manifest.js';
import { moduleRustflags, RUST_TARGET } from './cargo-build.js';

export const MODULE_LANGUAGES: readonly ModuleLanguage[] = ['rust', 'assemblyscript'];

/** What each template does, for sluice.yaml; the same in both languages. */
const TEMPLATES: Record<ModuleKind, { description: string; params: Record<string, string> }> = {
  filter: {
    description: 'Keeps the records whose JSON value has the top-level field `field` equal to `value`.',
    params: { field: 'top-level field name (default "level")', value: 'the value to match (default "error")' },
  },
  map: { description: "Upper-cases each record's value.", params: {} },
  filter_map: {
    description: "Replaces each record's value by the JSON of its top-level field `field`; drops the records without it.",
    params: { field: 'top-level field name (default "amount")' },
  },
  array_map: {
    description: 'One record per element of the JSON array in the top-level field `field`.',
    params: { field: 'top-level field holding the array (default "items")' },
  },
  aggregate: { description: 'A running count of records: every record emits {"count":n}.', params: {} },
};

/** Two records every template does something with (filter keeps the first, array_map splits both...). */
const SAMPLE_INPUT = '{"level":"error","amount":12,"items":["disk","full"]}\n{"level":"info","amount":3,"items":["all","good"]}\n';

export interface InitOptions {
  language: ModuleLanguage;
  kind: ModuleKind;
  /** Module name (sluice.yaml); the directory name by default. */
  name?: string;
}

export interface InitResult {
  dir: string;
  name: string;
  language: ModuleLanguage;
  kind: ModuleKind;
  /** Paths written, relative to dir. */
  files: string[];
}

export class ModuleInitError extends Error {
  override readonly name = 'ModuleInitError';
}

/** A cargo package name for a module name: cargo allows no "." and no leading digit. */
function crateName(name: string): string {
  const n = name.replace(/\./g, '_');
  return /^[0-9]/.test(n) ? `module-${n}` : n;
}

/** A TOML string literal. */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

function cargoToml(name: string, sdkPath: string): string {
  return `[package]
name = ${tomlString(crateName(name))}
version = "0.1.0"
edition = "2021"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
sluice-sdk = { path = ${tomlString(sdkPath)} }

# Small, fast modules; \`sluice module build\` passes the same settings.
[profile.release]
opt-level = 3
lto = true
codegen-units = 1
panic = "abort"
strip = "symbols"

# The module is a workspace of its own, wherever it sits.
[workspace]
`;
}

const CARGO_CONFIG = `# The memory maximum every SmartModule declares (sdk/ABI.md §2) and the WebAssembly features
# sluice builds modules with; \`sluice module build\` passes the same.
[target.${RUST_TARGET}]
rustflags = ${JSON.stringify(moduleRustflags(MODULE_MEMORY_MAX_BYTES)).replace(/","/g, '", "')}
`;

/** Writes the module directory; throws ModuleInitError (one line) when it cannot. */
export function initModule(dir: string, options: InitOptions): InitResult {
  const abs = resolve(dir);
  const { language, kind } = options;
  if (!MODULE_LANGUAGES.includes(language)) throw new ModuleInitError(`--lang must be one of ${MODULE_LANGUAGES.join(', ')}, not "${String(language)}"`);
  if (!MODULE_KINDS.includes(kind)) throw new ModuleInitError(`--kind must be one of ${MODULE_KINDS.join(', ')}, not "${String(kind)}"`);
  const name = options.name ?? basename(abs);
  if (!MODULE_NAME_PATTERN.test(name)) {
    throw new ModuleInitError(`module name "${name}" must match ${MODULE_NAME_PATTERN}; give --name`);
  }
  if (existsSync(abs) && readdirSync(abs).length > 0) throw new ModuleInitError(`${abs} exists and is not empty`);

  const templates = join(repoRoot(), 'sdk', 'templates');
  const files: Record<string, string> = {};
  const template = TEMPLATES[kind];
  const manifest: Record<string, unknown> = { name, kind, description: template.description };
  if (Object.keys(template.params).length > 0) manifest.params = template.params;
  files[MANIFEST_FILE] = stringify(manifest);
  files['sample-input.txt'] = SAMPLE_INPUT;
  if (language === 'rust') {
    const sdk = join(repoRoot(), 'sdk', 'rust');
    const rel = relative(abs, sdk);
    files['Cargo.toml'] = cargoToml(name, isAbsolute(rel) ? sdk : rel);
    files[join('.cargo', 'config.toml')] = CARGO_CONFIG;
    files[join('src', 'lib.rs')] = readFileSync(join(templates, 'rust', `${kind}.rs`), 'utf8');
    files['.gitignore'] = '/build/\n/target/\nCargo.lock\n';
  } else {
    files[join('assembly', 'index.ts')] = readFileSync(join(templates, 'assemblyscript', `${kind}.ts`), 'utf8');
    files['.gitignore'] = '/build/\n';
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(abs, path)), { recursive: true });
    writeFileSync(join(abs, path), text);
  }
  return { dir: abs, name, language, kind, files: Object.keys(files).sort() };
}
