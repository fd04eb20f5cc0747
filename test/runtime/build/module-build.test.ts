import path from 'node:path';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModule, buildModules, exampleModuleDirs, ModuleBuildError } from '../../../runtime/build/module-build.js';
import { readModuleManifest } from '../../../runtime/build/module-manifest.js';
import { loadModule } from '../../../runtime/module-loader.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';
import { REPO_ROOT } from '../../helpers/repo.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('build');
});
afterAll(() => removeTempDir(dir));

function moduleDir(name: string, source: string, yaml?: string): string {
  const d = path.join(dir, name);
  mkdirSync(path.join(d, 'assembly'), { recursive: true });
  writeFileSync(path.join(d, 'assembly', 'index.ts'), source);
  if (yaml !== undefined) writeFileSync(path.join(d, 'sluice.yaml'), yaml);
  return d;
}

const FILTER = `import { Record, registerFilter } from "@sluice/sdk";
export * from "@sluice/sdk/exports";
registerFilter((r: Record): bool => r.valueLen > 2);
`;

describe('module build', () => {
  it('builds a module outside the repo that imports "@sluice/sdk", into build/<name>.wasm, then skips it while up to date', async () => {
    const d = moduleDir('outside', FILTER, 'name: long-values\nkind: filter\nbuild:\n  maximumMemoryPages: 16\n');
    const first = await buildModule(d);
    expect(first.built).toBe(true);
    expect(first.out).toBe(path.join(d, 'build', 'long-values.wasm'));
    const m = await loadModule(readFileSync(first.out));
    expect([m.kind, m.memoryMaxBytes]).toEqual(['filter', 16 * 65536]);
    const again = await buildModule(d);
    expect(again.built).toBe(false);
    // Touching a source makes it stale again.
    const future = new Date(statSync(first.out).mtimeMs + 5000);
    utimesSync(path.join(d, 'assembly', 'index.ts'), future, future);
    expect((await buildModule(d)).built).toBe(true);
  }, 180_000);

  it('fails with one line naming the module and the compiler error', async () => {
    const d = moduleDir('broken', FILTER + 'export function oops(): i32 { return "no"; }\n');
    const err = await buildModule(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleBuildError);
    const msg = (err as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toMatch(/^broken: ERROR TS2322: Type '~lib\/string\/String' is not assignable to type 'i32'\./);
    expect(existsSync(path.join(d, 'build', 'broken.wasm'))).toBe(false);
    const noSdk = moduleDir('no-sdk', 'export function f(): i32 { return 1; }\n');
    expect(((await buildModule(noSdk).catch((e: unknown) => e)) as Error).message).toBe(
      'no-sdk: the module does not import "@sluice/sdk" (and export * from "@sluice/sdk/exports")',
    );
  }, 180_000);

  it('refuses a built module of another kind than its sluice.yaml names, and leaves no output', async () => {
    const d = moduleDir('says-map', FILTER, 'name: says-map\nkind: map\n');
    const err = await buildModule(d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleBuildError);
    expect((err as Error).message).toBe('says-map: sluice.yaml says kind map, but the built module is a filter');
    expect(existsSync(path.join(d, 'build', 'says-map.wasm'))).toBe(false);
  }, 180_000);

  it('keeps building the others when one fails', async () => {
    const good = moduleDir('good', FILTER);
    const bad = moduleDir('bad', 'this is not AssemblyScript\n');
    const { results, failures } = await buildModules([bad, good], { force: true });
    expect(results.map((r) => r.name)).toEqual(['good']);
    expect(failures.map((f) => f.dir)).toEqual([bad]);
  }, 180_000);

  it('validates sluice.yaml with one line naming the bad key', () => {
    const d = moduleDir('badyaml', FILTER, 'name: x\nkind: sorter\n');
    expect(() => readModuleManifest(d)).toThrow(/sluice\.yaml: kind: /);
    const e = moduleDir('extra', FILTER, 'name: x\nbogus: 1\n');
    expect(() => readModuleManifest(e)).toThrow(/sluice\.yaml: \(root\): Unrecognized key/);
    const n = moduleDir('Bad_Name', FILTER);
    expect(() => readModuleManifest(n)).toThrow(/module name "Bad_Name"/);
  });

  it('finds the example and fixture module directories of the repo', () => {
    const dirs = exampleModuleDirs().map((d) => path.relative(REPO_ROOT, d));
    expect(dirs).toEqual(expect.arrayContaining(['modules/json-filter', 'modules/json-map', 'modules/json-filter-map', 'modules/json-split', 'modules/count-sum']));
    expect(dirs).toEqual(expect.arrayContaining(['modules/json-filter-rs', 'modules/json-map-rs', 'modules/json-filter-map-rs', 'modules/json-split-rs', 'modules/count-sum-rs', 'test/fixtures/modules/rust-panic']));
    expect(dirs.every((d) => d.startsWith('modules/') || d.startsWith('test/fixtures/modules/'))).toBe(true);
  });

  it('builds a Rust module with cargo, and fails with one line naming it and the first compiler error', async () => {
    const d = path.join(dir, 'rusty');
    cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'modules', 'rust-panic'), d, { recursive: true, filter: (p) => !p.includes(`${path.sep}build`) });
    // Outside the repository's workspace: a package of its own, naming the SDK by absolute path.
    const cargo = readFileSync(path.join(d, 'Cargo.toml'), 'utf8').replace(/path = "[^"]*"/, `path = ${JSON.stringify(path.join(REPO_ROOT, 'sdk', 'rust'))}`);
    writeFileSync(path.join(d, 'Cargo.toml'), cargo + '\n[workspace]\n');
    writeFileSync(path.join(d, 'sluice.yaml'), 'name: rusty\nbuild:\n  maximumMemoryPages: 32\n');
    const env = process.env.CARGO_TARGET_DIR;
    process.env.CARGO_TARGET_DIR = path.join(dir, 'cargo-target');
    try {
      const built = await buildModule(d);
      expect([built.name, built.language, built.built]).toEqual(['rusty', 'rust', true]);
      const m = await loadModule(readFileSync(built.out));
      expect([m.kind, m.memoryMaxBytes]).toEqual(['filter', 32 * 65536]);
      expect((await buildModule(d)).built).toBe(false);
      writeFileSync(path.join(d, 'src', 'lib.rs'), readFileSync(path.join(d, 'src', 'lib.rs'), 'utf8').replace('Ok(true)', 'Ok(1)'));
      const err = await buildModule(d).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModuleBuildError);
      expect((err as Error).message).toMatch(/^rusty: src\/lib\.rs:\d+:\d+: error\[E0308\]: mismatched types$/);
    } finally {
      if (env === undefined) delete process.env.CARGO_TARGET_DIR;
      else process.env.CARGO_TARGET_DIR = env;
    }
  }, 300_000);

  it('refuses a directory holding both an AssemblyScript and a Rust module', () => {
    const d = moduleDir('both', FILTER);
    writeFileSync(path.join(d, 'Cargo.toml'), '[package]\nname = "both"\n');
    expect(() => readModuleManifest(d)).toThrow(/holds assemblyscript and rust sources \(assembly\/index\.ts, Cargo\.toml, index\.js\)/);
  });

  it('takes a world only for components: JavaScript needs one, AssemblyScript has none, and it must be a world of sdk/wit', () => {
    const js = path.join(dir, 'js-no-world');
    mkdirSync(js, { recursive: true });
    writeFileSync(path.join(js, 'index.js'), 'export function init() {}\n');
    expect(() => readModuleManifest(js)).toThrow(/world: a JavaScript module is a component; name its world \(filter, map, filter-map, array-map, aggregate\)/);
    writeFileSync(path.join(js, 'sluice.yaml'), 'world: reduce\n');
    expect(() => readModuleManifest(js)).toThrow(/sluice\.yaml: world: /);
    writeFileSync(path.join(js, 'sluice.yaml'), 'world: filter-map\n');
    expect(readModuleManifest(js)).toMatchObject({ language: 'javascript', world: 'filter-map', name: 'js-no-world' });
    writeFileSync(path.join(js, 'sluice.yaml'), 'world: filter-map\nkind: map\n');
    expect(() => readModuleManifest(js)).toThrow(/sluice\.yaml: kind: map, but world filter-map makes a filter_map/);
    const as = moduleDir('as-world', FILTER);
    writeFileSync(path.join(as, 'sluice.yaml'), 'world: filter\n');
    expect(() => readModuleManifest(as)).toThrow(/AssemblyScript builds core modules/);
  });

  it('builds an example copied elsewhere to the same bytes as in place', async () => {
    const copy = path.join(dir, 'json-split-copy');
    cpSync(path.join(REPO_ROOT, 'modules', 'json-split'), copy, { recursive: true, filter: (p) => !p.includes(`${path.sep}build`) });
    const a = await buildModule(path.join(REPO_ROOT, 'modules', 'json-split'));
    const b = await buildModule(copy);
    expect(readFileSync(b.out)).toEqual(readFileSync(a.out));
  }, 180_000);
});
