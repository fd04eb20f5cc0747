/**
 * Builds a Rust module directory (a cargo package naming sdk/rust by path) for
 * wasm32-unknown-unknown with cargo --offline and release settings for small, fast modules,
 * then runs wasm-opt when it is installed. cargo decides what is stale; its artifact is copied
 * (optimised) to the module's output only when it is newer.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { WASM_PAGE_BYTES } from '../constants.js';
import type { ModuleManifest } from './module-manifest.js';

export const RUST_TARGET = 'wasm32-unknown-unknown';

/**
 * The profile every module is built with, whatever its Cargo.toml says (cargo --config beats the
 * manifest). opt-level 3: "s" made the JSON filter 1.65x slower per record for 13% fewer bytes
 * (bench/results/rust-sdk.md); lto and one codegen unit let the SDK inline into the module;
 * panics abort (a panic hook has recorded the message by then); symbols are stripped (Debian's
 * std carries debug info: 300 KB modules otherwise).
 */
export const CARGO_PROFILE_ARGS = [
  'profile.release.opt-level=3',
  'profile.release.lto=true',
  'profile.release.codegen-units=1',
  'profile.release.panic="abort"',
  'profile.release.strip="symbols"',
  'profile.release.debug=0',
] as const;

/**
 * WebAssembly features beyond the MVP that every engine sluice runs on (V8 in Node 20) has, and
 * that asc turns on by default: rustc 1.63 does not, and without bulk memory every memcpy is a
 * loop in wasm (the JSON filter took 6% longer per record).
 */
export const WASM_FEATURES = ['bulk-memory', 'nontrapping-fptoint', 'mutable-globals'] as const;

/** wasm-opt passes after cargo: binaryen's -O3 took 12% off the JSON filter's bytes (37.7 to 33.1 KB). */
export const WASM_OPT_ARGS = ['-O3', ...WASM_FEATURES.map((f) => `--enable-${f === 'nontrapping-fptoint' ? 'nontrapping-float-to-int' : f}`)] as const;

/** The rustflags of every module: the memory maximum and the features above. */
export function moduleRustflags(maxMemoryBytes: number): string[] {
  return ['-C', `link-arg=--max-memory=${maxMemoryBytes}`, '-C', `target-feature=${WASM_FEATURES.map((f) => `+${f}`).join(',')}`];
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/**
 * cargo and the rustc it runs: SLUICE_CARGO, else Debian's /usr/bin/cargo, else cargo on PATH
 * (a rustup toolchain first on PATH may lack the wasm32 target); rustc is SLUICE_RUSTC, else the
 * rustc beside that cargo.
 */
export function rustToolchain(): { cargo: string; rustc: string | null } {
  const cargo = process.env.SLUICE_CARGO || (executable('/usr/bin/cargo') ? '/usr/bin/cargo' : onPath('cargo'));
  if (cargo === null) {
    throw new Error('cargo is not installed: run `npm run setup` (it installs Debian\'s cargo, rustc and libstd-rust-dev-wasm32) or set SLUICE_CARGO');
  }
  const sibling = cargo.includes('/') ? join(dirname(cargo), 'rustc') : null;
  return { cargo, rustc: process.env.SLUICE_RUSTC || (sibling !== null && executable(sibling) ? sibling : null) };
}

/** wasm-opt: SLUICE_WASM_OPT, else on PATH; null when not installed (the step is then skipped). */
export function wasmOptPath(): string | null {
  return process.env.SLUICE_WASM_OPT || onPath('wasm-opt');
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

interface CargoMessage {
  reason?: string;
  manifest_path?: string;
  target?: { kind?: string[] };
  filenames?: string[];
  message?: { level?: string; rendered?: string };
}

/** The first error of a failed cargo build, on one line: a compiler message, or cargo's own. */
function firstError(messages: CargoMessage[], stderr: string): string {
  for (const m of messages) {
    if (m.reason === 'compiler-message' && m.message?.level === 'error' && m.message.rendered) return m.message.rendered.trim().split('\n')[0]!;
  }
  const line = stderr.split('\n').find((l) => /^error/.test(l.trim()));
  return (line ?? stderr.trim().split('\n').pop() ?? 'cargo failed').trim();
}

/** For measuring other builds of a module (bench/rust-sdk-bench.ts): more --config, more env. */
export interface CargoVariant {
  /** cargo --config values after the defaults (a later one wins). */
  config?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs cargo for the module; returns the path of its .wasm in cargo's target directory. Throws
 * with one line (the first compiler error) when the build fails.
 */
export async function cargoBuild(manifest: ModuleManifest, variant: CargoVariant = {}): Promise<string> {
  const { cargo, rustc } = rustToolchain();
  const maxMemory = manifest.maximumMemoryPages * WASM_PAGE_BYTES;
  const args = [
    'build', '--offline', '--release', '--lib', '--target', RUST_TARGET,
    '--manifest-path', manifest.entry, '--message-format', 'json-diagnostic-short',
    ...CARGO_PROFILE_ARGS.flatMap((c) => ['--config', c]),
    // Added after any rustflags of the package's .cargo/config.toml, so this maximum wins.
    '--config', `target.${RUST_TARGET}.rustflags=${JSON.stringify(moduleRustflags(maxMemory))}`,
    ...(variant.config ?? []).flatMap((c) => ['--config', c]),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, ...variant.env };
  if (rustc !== null) env.RUSTC = rustc;
  let result: Run;
  try {
    result = await run(cargo, args, manifest.dir, env);
  } catch (err) {
    throw new Error(`cannot run ${cargo}: ${(err as Error).message}`);
  }
  const messages: CargoMessage[] = [];
  for (const line of result.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      messages.push(JSON.parse(line) as CargoMessage);
    } catch {
      // not one of cargo's JSON lines
    }
  }
  if (result.code !== 0) throw new Error(firstError(messages, result.stderr));
  const ours = realpathSync(manifest.entry);
  const artifact = messages
    .filter((m) => m.reason === 'compiler-artifact' && m.manifest_path === ours && m.target?.kind?.includes('cdylib'))
    .flatMap((m) => m.filenames ?? [])
    .find((f) => f.endsWith('.wasm'));
  if (artifact === undefined) throw new Error(`${basename(manifest.dir)}: Cargo.toml builds no cdylib; add [lib] crate-type = ["cdylib"]`);
  return artifact;
}

/** The artifact's bytes after wasm-opt (when installed; as they are otherwise). */
export async function optimizedCopy(artifact: string, cwd: string): Promise<Uint8Array> {
  const wasmOpt = wasmOptPath();
  if (wasmOpt === null) return readFileSync(artifact);
  const tmpOut = join(tmpdir(), `sluice-wasm-opt-${process.pid}-${basename(artifact)}`);
  try {
    const opt = await run(wasmOpt, [...WASM_OPT_ARGS, artifact, '-o', tmpOut], cwd, process.env);
    if (opt.code !== 0) throw new Error(`wasm-opt failed: ${opt.stderr.trim().split('\n')[0] ?? ''}`);
    return readFileSync(tmpOut);
  } finally {
    rmSync(tmpOut, { force: true });
  }
}

/**
 * Builds a Rust module into `out`: cargo, then wasm-opt (when installed). Returns false when cargo's artifact was older than `out` (nothing to do).
 */
export async function buildRustModule(manifest: ModuleManifest, out: string, force: boolean, variant: CargoVariant = {}): Promise<boolean> {
  const artifact = await cargoBuild(manifest, variant);
  if (!force && existsSync(out) && statSync(artifact).mtimeMs <= statSync(out).mtimeMs) return false;
  writeModuleFile(out, await optimizedCopy(artifact, manifest.dir));
  return true;
}

/** Writes a built module into a file beside `out` and renames it over `out`: a reader never sees half of it. */
export function writeModuleFile(out: string, bytes: Uint8Array): void {
  mkdirSync(dirname(out), { recursive: true });
  const tmpOut = `${out}.${process.pid}.tmp.wasm`;
  try {
    writeFileSync(tmpOut, bytes);
    renameSync(tmpOut, out);
  } finally {
    rmSync(tmpOut, { force: true });
  }
}
