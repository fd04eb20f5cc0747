/**
 * Builds component modules (sluice.yaml names a `world` of sdk/wit):
 *  - Rust: cargo builds the core module (cargo-build.ts), then the world is embedded in it and
 *    the component made from it: what `jco embed` and `jco new` run (wasm-tools, through
 *    @bytecodealliance/jco-transpile).
 *  - JavaScript: componentize-js (SpiderMonkey inside, about 12 MB) with every WASI feature
 *    off, so the component imports nothing outside its world. It takes seconds: the output is
 *    rebuilt only when index.js, sluice.yaml or the WIT package is newer.
 * Outputs are written beside their path and renamed over it.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { witDir, WIT_FILE } from '../component/worlds.js';
import { cargoBuild, optimizedCopy, writeModuleFile } from './cargo-build.js';
import { jcoErrorText as errorText } from '../component/component-loader.js';
import { MANIFEST_FILE, type ModuleManifest } from './module-manifest.js';

/** Every WASI feature componentize-js can leave out: a pure component, with only its world's imports. */
const COMPONENTIZE_DISABLED_FEATURES = ['random', 'stdio', 'clocks', 'http', 'fetch-event'] as const;

/** The WIT world name as written in the package (`map` is a WIT keyword there: `%map`). */
const witWorld = (world: string): string => (world === 'map' ? '%map' : world);

/** Newest modification time of the JavaScript sources, sluice.yaml and the WIT package. */
function jsInputsMtimeMs(manifest: ModuleManifest): number {
  const files = readdirSync(manifest.dir).filter((f) => f.endsWith('.js') || f.endsWith('.mjs') || f === MANIFEST_FILE).map((f) => join(manifest.dir, f));
  return Math.max(...[...files, join(witDir(), WIT_FILE)].map((f) => statSync(f).mtimeMs));
}

/** Builds a Rust component; false when the output is newer than cargo's artifact and the WIT package. */
export async function buildRustComponent(manifest: ModuleManifest, out: string, force: boolean): Promise<boolean> {
  const artifact = await cargoBuild(manifest);
  const wit = join(witDir(), WIT_FILE);
  if (!force && existsSync(out) && Math.max(statSync(artifact).mtimeMs, statSync(wit).mtimeMs) <= statSync(out).mtimeMs) return false;
  const core = await optimizedCopy(artifact, manifest.dir);
  const { componentEmbed, componentNew } = await import('@bytecodealliance/jco-transpile/wasm-tools');
  let component: Uint8Array;
  try {
    const embedded = await componentEmbed({ binary: core, witSource: readFileSync(wit, 'utf8'), world: witWorld(manifest.world!) });
    component = await componentNew(embedded);
  } catch (err) {
    throw new Error(`making the component failed: ${errorText(err)}`);
  }
  writeModuleFile(out, component);
  return true;
}

/** Builds a JavaScript component with componentize-js; false when the output is up to date. */
export async function buildJsComponent(manifest: ModuleManifest, out: string, force: boolean): Promise<boolean> {
  if (!force && existsSync(out) && jsInputsMtimeMs(manifest) <= statSync(out).mtimeMs) return false;
  let componentize: typeof import('@bytecodealliance/componentize-js').componentize;
  try {
    ({ componentize } = await import('@bytecodealliance/componentize-js'));
  } catch (err) {
    throw new Error(`@bytecodealliance/componentize-js is not installed (npm ci installs it): ${errorText(err)}`);
  }
  let component: Uint8Array;
  try {
    ({ component } = await componentize({
      sourcePath: manifest.entry,
      witPath: witDir(),
      worldName: witWorld(manifest.world!),
      disableFeatures: [...COMPONENTIZE_DISABLED_FEATURES],
    }));
  } catch (err) {
    throw new Error(`componentize failed: ${errorText(err)}`);
  }
  writeModuleFile(out, component);
  return true;
}
