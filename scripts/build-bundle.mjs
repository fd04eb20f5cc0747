#!/usr/bin/env node
/**
 * Packs the compiled broker-side commands (dist/cli/bundle-entry.js and everything it reaches in
 * dist/ and node_modules) into one CommonJS file, dist/sluice-broker.cjs, then starts a broker
 * from it once so that bin/sluice.js writes its V8 code cache (dist/sluice-broker.cjs.cache).
 *
 * Why: Node 20's ES module loader spends most of a cold start resolving, reading and linking ~190
 * small files; one script compiled from a code cache starts in a fraction of that. The bundle is
 * made from tsc's output, so it holds exactly the code dist/ holds; `import.meta.url` in each file
 * becomes the URL that file has in dist/, so paths found relative to it (worker files, the
 * checkout root) are the same as when the ES modules run.
 *
 * Run after `tsc -p tsconfig.build.json` (npm run build does both).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const ENTRY = path.join(DIST, 'cli', 'bundle-entry.js');
const BUNDLE = path.join(DIST, 'sluice-broker.cjs');
const CACHE = `${BUNDLE}.cache`;
const BIN = path.join(ROOT, 'bin', 'sluice.js');

/**
 * The packages bundled with our code: the ones every broker start runs (argument parsing, config
 * and manifest validation, logging), with what they import. Any other package (a native addon like
 * @node-rs/crc32, the S3 SDK, prom-client, what only the runtime uses) stays in node_modules and is
 * required from there when first used, so a dependency added later can only make the bundle
 * slower, never break it.
 */
const BUNDLED_PACKAGES = new Set(['commander', 'zod', 'pino']);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const externalPackagesPlugin = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || isBuiltin(args.path)) return undefined;
      // A bundled package's own dependencies come with it.
      if (args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      return BUNDLED_PACKAGES.has(packageName(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
};

/** How long the warm-up broker may take to say it listens, in ms (a loaded 2-core machine, cold disk cache). */
const WARM_UP_START_TIMEOUT_MS = 30_000;
/** How long it may take to flush, exit and write the cache after SIGTERM, in ms. */
const WARM_UP_STOP_TIMEOUT_MS = 15_000;

/** Each dist file's `import.meta.url` becomes its own URL in dist/, computed from the bundle's place. */
const importMetaUrlPlugin = {
  name: 'dist-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(DIST + path.sep)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta')) return undefined;
      const rel = path.relative(DIST, args.path).split(path.sep).join('/');
      const contents = source.replaceAll('import.meta.url', `__sluiceDistUrl(${JSON.stringify(rel)})`);
      if (contents.includes('import.meta')) throw new Error(`${args.path}: import.meta other than import.meta.url cannot be bundled`);
      return { contents, loader: 'js' };
    });
  },
};

async function bundle(esbuild) {
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    outfile: BUNDLE,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // import() of a package left out becomes require(): the bundle runs as a classic script, where
    // import() would need an experimental vm hook.
    supported: { 'dynamic-import': false },
    banner: {
      js: "const __sluiceDistUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;",
    },
    plugins: [externalPackagesPlugin, importMetaUrlPlugin],
    // Less source to read, hash and hold; identifiers stay, so stack traces keep their names.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    // ASCII only: bin/sluice.js reads it as latin1, a one-byte string V8 takes without decoding.
    charset: 'ascii',
    logLevel: 'warning',
  });
  const bytes = result.outputFiles[0].contents;
  const out = Buffer.from(bytes).toString('latin1');
  if (/[^\x00-\x7f]/.test(out)) throw new Error(`${BUNDLE} is not ASCII`);
  // A crude scan (strings included): it fails safe, and import() must not survive.
  if (/\bimport\s*\(/.test(out)) throw new Error(`${BUNDLE} still calls import(); it cannot run as a classic script`);
  // Renamed into place: a sluice started meanwhile (another build, a test) reads a whole file.
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, BUNDLE);
}

/** Starts a broker from the bundle and stops it: bin/sluice.js writes the code cache as it exits. */
async function warmUp() {
  const data = mkdtempSync(path.join(tmpdir(), 'sluice-warm-up-'));
  try {
    const child = spawn(process.execPath, [BIN, 'broker', 'start', '--host', '127.0.0.1', '--port', '0', '--data', data, '--log-level', 'silent'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const listening = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), WARM_UP_START_TIMEOUT_MS);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('listening on')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      exited.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!listening) {
      child.kill('SIGKILL');
      throw new Error(`the bundled broker did not start: ${out}${err}`);
    }
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), WARM_UP_STOP_TIMEOUT_MS);
    const { code, signal } = await exited;
    clearTimeout(killer);
    if (code !== 0) throw new Error(`the bundled broker exited with ${code ?? signal} after SIGTERM: ${err}`);
    // A tsc run in between makes bin/sluice.js pass the bundle over (it is older than dist/ then).
    if (!existsSync(CACHE)) process.stderr.write(`build-bundle: no code cache written (dist/ changed during the build?); the first broker start writes it\n`);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

async function main() {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run tsc -p tsconfig.build.json first`);
  rmSync(CACHE, { force: true });
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    // Without esbuild (an install without dev dependencies) the ES modules in dist/ serve every command.
    rmSync(BUNDLE, { force: true });
    process.stderr.write('build-bundle: esbuild is not installed; sluice runs from dist/ without the broker bundle\n');
    return;
  }
  await bundle(esbuild);
  await warmUp();
  const kib = (p) => (existsSync(p) ? `${(statSync(p).size / 1024).toFixed(0)} KiB` : 'none');
  process.stdout.write(`build-bundle: ${path.relative(ROOT, BUNDLE)} ${kib(BUNDLE)}, code cache ${kib(CACHE)}\n`);
}

main().catch((err) => {
  process.stderr.write(`build-bundle: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
