/**
 * Builds module directories: AssemblyScript with asc's programmatic API, Rust with cargo
 * (cargo-build.ts). The AssemblyScript SDK is made importable as "@sluice/sdk" through an asc
 * --path directory holding a link to sdk/assemblyscript, so module sources need no relative
 * paths into this repo.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, existsSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModuleManifest, moduleOutputPath, moduleLanguageOrNull, type ModuleLanguage, type ModuleManifest } from './module-manifest.js';
import { buildRustModule } from './cargo-build.js';
import { buildJsComponent, buildRustComponent } from './component-build.js';
import { loadModule } from '../module-loader.js';

/**
 * asc flags every module is built with. abort is replaced so the module imports nothing
 * (sdk/ABI.md §9). The minimal runtime has no shadow stack, which the incremental one
 * zeroes on every managed call (about 30% of a JSON filter's time); the SDK collects
 * garbage between batches instead.
 */
export const ASC_BASE_ARGS = [
  '-O3',
  '--runtime', 'minimal',
  '--use', 'abort=~lib/@sluice/sdk/assembly/abi/sluiceAbort',
  '--noColors',
] as const;

export interface BuildResult {
  name: string;
  language: ModuleLanguage;
  dir: string;
  out: string;
  /** false when the output was newer than every input and the build was skipped. */
  built: boolean;
  ms: number;
}

export class ModuleBuildError extends Error {
  constructor(readonly dir: string, message: string) {
    super(message);
    this.name = 'ModuleBuildError';
  }
}

/** The repository root: the nearest ancestor of this file holding sdk/assemblyscript. */
export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(d, 'sdk', 'assemblyscript', 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) throw new Error('cannot find sdk/assemblyscript above ' + fileURLToPath(import.meta.url));
    d = up;
  }
}

export function sdkDir(): string {
  return join(repoRoot(), 'sdk', 'assemblyscript');
}

/**
 * A directory for asc --path in which "@sluice/sdk" resolves to the SDK: a symlink under the
 * temp dir, one per checkout (named by a hash of the SDK path), replaced atomically by rename
 * so that concurrent builds never see it missing.
 */
function sdkPackagePath(): string {
  const sdk = sdkDir();
  const tag = createHash('sha256').update(sdk).digest('hex').slice(0, 12);
  const base = join(tmpdir(), `sluice-asc-path-${tag}`);
  const link = join(base, '@sluice', 'sdk');
  let current: string | null = null;
  try {
    current = readlinkSync(link);
  } catch {
    current = null;
  }
  if (current !== sdk) {
    mkdirSync(dirname(link), { recursive: true });
    const tmp = `${link}.${process.pid}.${Date.now()}`;
    symlinkSync(sdk, tmp, 'dir');
    renameSync(tmp, link);
  }
  return base;
}

function newestMtimeMs(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(path)) {
    if (e === 'node_modules' || e === 'build') continue;
    newest = Math.max(newest, newestMtimeMs(join(path, e)));
  }
  return newest;
}

/** Whether `out` is newer than the module's sources, its sluice.yaml and the SDK. */
export function isUpToDate(manifest: ModuleManifest, out: string): boolean {
  if (!existsSync(out)) return false;
  const outMs = statSync(out).mtimeMs;
  const inputs = [join(manifest.dir, 'assembly'), join(manifest.dir, 'sluice.yaml'), join(sdkDir(), 'assembly')];
  return inputs.every((p) => !existsSync(p) || newestMtimeMs(p) <= outMs);
}

let ascQueue: Promise<unknown> = Promise.resolve();

/** asc keeps global state while compiling: one compilation at a time per process. */
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const next = ascQueue.then(fn, fn);
  ascQueue = next.catch(() => undefined);
  return next;
}

/** Builds one module directory into `opts.out` (default `<dir>/build/<name>.wasm`). */
export async function buildModule(dir: string, opts: { out?: string; force?: boolean } = {}): Promise<BuildResult> {
  const abs = resolve(dir);
  let manifest: ModuleManifest;
  try {
    manifest = readModuleManifest(abs);
  } catch (err) {
    throw new ModuleBuildError(abs, (err as Error).message);
  }
  const out = resolve(opts.out ?? moduleOutputPath(manifest));
  const started = performance.now();
  const result = (built: boolean): BuildResult => ({ name: manifest.name, language: manifest.language, dir: abs, out, built, ms: built ? performance.now() - started : 0 });
  if (manifest.language === 'rust' || manifest.language === 'javascript') {
    try {
      const force = opts.force ?? false;
      if (manifest.language === 'javascript') return result(await buildJsComponent(manifest, out, force));
      if (manifest.world !== undefined) return result(await buildRustComponent(manifest, out, force));
      return result(await checkedKind(manifest, out, await buildRustModule(manifest, out, force)));
    } catch (err) {
      throw new ModuleBuildError(abs, `${manifest.name}: ${(err as Error).message}`);
    }
  }
  if (!opts.force && isUpToDate(manifest, out)) return result(false);
  mkdirSync(dirname(out), { recursive: true });
  // Written beside the output and renamed, so a concurrent reader never sees half a module.
  const tmpOut = `${out}.${process.pid}.tmp.wasm`;
  const args = [
    manifest.entry,
    ...ASC_BASE_ARGS,
    '--path', sdkPackagePath(),
    '--maximumMemory', String(manifest.maximumMemoryPages),
    ...manifest.ascArgs,
    '--outFile', tmpOut,
  ];
  const { default: asc } = await import('assemblyscript/asc');
  const errors: string[] = [];
  const { error } = await serialized(() =>
    asc.main(args, {
      stdout: { write: () => true } as never,
      stderr: {
        write: (chunk: string | Uint8Array) => {
          errors.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
          return true;
        },
      } as never,
    }),
  );
  if (error) {
    const text = errors.join('');
    const first = text.split('\n').find((l) => /ERROR|error/.test(l))?.trim() ?? error.message;
    // asc marks the source location with a box-drawing "└─ in" (escaped: the broker bundle is ASCII).
    const where = text.split('\n').find((l) => /\u2514\u2500 in /.test(l))?.replace(/.*\u2514\u2500 in /, '').trim();
    rmSync(tmpOut, { force: true });
    if (!readFileSync(manifest.entry, 'utf8').includes('@sluice/sdk')) {
      throw new ModuleBuildError(abs, `${manifest.name}: the module does not import "@sluice/sdk" (and export * from "@sluice/sdk/exports")`);
    }
    throw new ModuleBuildError(abs, `${manifest.name}: ${first}${where ? ` (${where})` : ''}`);
  }
  renameSync(tmpOut, out);
  return result(await checkedKind(manifest, out, true));
}

/** A core module just built must be the kind its sluice.yaml names (when it names one); else it is removed. */
async function checkedKind(manifest: ModuleManifest, out: string, built: boolean): Promise<boolean> {
  if (!built || manifest.kind === undefined) return built;
  let kind: string;
  try {
    kind = (await loadModule(readFileSync(out), { name: manifest.name })).kind;
  } catch (err) {
    rmSync(out, { force: true });
    throw new ModuleBuildError(manifest.dir, `${manifest.name}: the built module does not load: ${(err as Error).message}`);
  }
  if (kind !== manifest.kind) {
    rmSync(out, { force: true });
    throw new ModuleBuildError(manifest.dir, `${manifest.name}: sluice.yaml says kind ${manifest.kind}, but the built module is a ${kind}`);
  }
  return built;
}

/** Every immediate subdirectory of `parent` that holds a module (assembly/index.ts or Cargo.toml). */
export function moduleDirsIn(parent: string): string[] {
  if (!existsSync(parent)) return [];
  const holdsModule = (dir: string): boolean => {
    try {
      return moduleLanguageOrNull(dir) !== null;
    } catch {
      return true; // both languages: its build reports that
    }
  };
  return readdirSync(parent, { withFileTypes: true })
    .filter((e) => e.isDirectory() && holdsModule(join(parent, e.name)))
    .map((e) => join(parent, e.name))
    .sort();
}

/** The example modules and the test fixture modules of this repository. */
export function exampleModuleDirs(root = repoRoot()): string[] {
  return [...moduleDirsIn(join(root, 'modules')), ...moduleDirsIn(join(root, 'test', 'fixtures', 'modules'))];
}

/** True for a directory that must build on the main thread: a JavaScript component. */
function buildsOnMainThread(dir: string): boolean {
  try {
    return readModuleManifest(resolve(dir)).language === 'javascript';
  } catch {
    return false; // its own build reports the bad manifest
  }
}

/**
 * Builds every directory, skipping up-to-date outputs, on up to `concurrency` threads (asc
 * compiles one module at a time per thread). Failures do not stop the others; the result
 * lists them, one line each. Results come back in the order of `dirs`.
 */
export async function buildModules(
  dirs: readonly string[],
  opts: { force?: boolean; concurrency?: number; onResult?: (r: BuildResult | ModuleBuildError) => void } = {},
): Promise<{ results: BuildResult[]; failures: ModuleBuildError[] }> {
  const force = opts.force ?? false;
  const byDir = new Map<string, BuildResult | ModuleBuildError>();
  const report = (dir: string, r: BuildResult | ModuleBuildError): void => {
    byDir.set(dir, r);
    opts.onResult?.(r);
  };
  const workerFile = fileURLToPath(new URL('./build-worker.js', import.meta.url));
  // Workers only from compiled code (dist): under a TypeScript loader the .js file is absent.
  const threads = existsSync(workerFile) ? Math.max(1, Math.min(opts.concurrency ?? availableParallelism(), dirs.length)) : 1;
  const shares: string[][] = Array.from({ length: threads }, () => []);
  // componentize-js spawns its helper with this process's stdio, which a worker's stdio cannot
  // stand in for: JavaScript components build on the main thread (share 0).
  let next = 0;
  for (const d of dirs) {
    if (buildsOnMainThread(d)) shares[0]!.push(d);
    else shares[next++ % threads]!.push(d);
  }
  const inThread = async (share: string[]): Promise<void> => {
    for (const dir of share) {
      try {
        report(dir, await buildModule(dir, { force }));
      } catch (err) {
        report(dir, err instanceof ModuleBuildError ? err : new ModuleBuildError(dir, (err as Error).message));
      }
    }
  };
  const inWorker = (share: string[]): Promise<void> =>
    new Promise((resolvePromise, reject) => {
      const worker = new Worker(workerFile, { workerData: { dirs: share, force } });
      worker.on('message', (m: { ok: true; result: BuildResult } | { ok: false; dir: string; message: string }) => {
        if (m.ok) report(m.result.dir, m.result);
        else report(m.dir, new ModuleBuildError(m.dir, m.message));
      });
      worker.on('error', reject);
      worker.on('exit', () => resolvePromise());
    });
  await Promise.all(shares.map((share, i) => (i === 0 ? inThread(share) : inWorker(share))));
  const results: BuildResult[] = [];
  const failures: ModuleBuildError[] = [];
  for (const dir of dirs) {
    const r = byDir.get(resolve(dir)) ?? byDir.get(dir);
    if (r === undefined) failures.push(new ModuleBuildError(dir, `${dir}: the build thread exited without a result`));
    else if (r instanceof ModuleBuildError) failures.push(r);
    else results.push(r);
  }
  return { results, failures };
}
