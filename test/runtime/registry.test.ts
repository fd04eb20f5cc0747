import path from 'node:path';
import { cpSync, mkdirSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../broker/storage/local-store.js';
import { ModuleRegistry, ModuleNotFoundError, ModuleNameError, registerExampleModules } from '../../runtime/registry.js';
import { ModuleValidationError } from '../../runtime/module-loader.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { abiModule } from './wat-modules.js';
import { loadExampleModule } from '../modules/example-modules.js';

let dir: string | undefined;
afterEach(() => removeTempDir(dir));

const keys = async (store: LocalStore): Promise<string[]> => (await store.list('')).map((o) => o.key);

describe('ModuleRegistry on a LocalStore', () => {
  let filter: Uint8Array;
  let map: Uint8Array;
  beforeAll(() => {
    filter = abiModule({ kind: 1 });
    map = abiModule({ kind: 2 });
  });

  it('stores the binary under its sha256 and a name entry; get returns the same bytes compiled', async () => {
    dir = makeTempDir('registry');
    const store = new LocalStore(dir);
    const registry = new ModuleRegistry(store);
    const entry = await registry.create('my-filter', filter);
    expect(entry).toMatchObject({ name: 'my-filter', kind: 'filter', abiVersion: 1, sizeBytes: filter.length });
    expect(await keys(store)).toEqual([`modules/${entry.id}.wasm`, 'modules/names/my-filter.json']);
    expect(new Uint8Array(await store.get(`modules/${entry.id}.wasm`))).toEqual(filter);
    const got = await registry.get('my-filter');
    expect(got.entry).toEqual(entry);
    expect(got.module.id).toBe(entry.id);
    expect(got.module.kind).toBe('filter');
    // A fresh registry over the same directory sees the same thing.
    expect(await new ModuleRegistry(new LocalStore(dir)).list()).toEqual([entry]);
  });

  it('validates before storing anything', async () => {
    dir = makeTempDir('registry');
    const store = new LocalStore(dir);
    const registry = new ModuleRegistry(store);
    const wasi = abiModule({ imports: '(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))' });
    await expect(registry.create('bad', wasi)).rejects.toThrow(ModuleValidationError);
    await expect(registry.create('bad', wasi)).rejects.toThrow('module imports "wasi_snapshot_preview1"."fd_write"');
    expect(await keys(store)).toEqual([]);
    await expect(registry.create('Bad Name', filter)).rejects.toThrow(ModuleNameError);
    await expect(registry.create('../x', filter)).rejects.toThrow(ModuleNameError);
  });

  it('lists sorted by name, replaces a name, and deletes a binary only when no name uses it', async () => {
    dir = makeTempDir('registry');
    const store = new LocalStore(dir);
    const registry = new ModuleRegistry(store);
    const a = await registry.create('b-one', filter);
    await registry.create('a-two', filter);
    expect((await registry.list()).map((e) => e.name)).toEqual(['a-two', 'b-one']);
    await registry.delete('b-one');
    expect(await keys(store)).toEqual([`modules/${a.id}.wasm`, 'modules/names/a-two.json']);
    const replaced = await registry.create('a-two', map);
    expect(replaced.kind).toBe('map');
    expect((await registry.get('a-two')).module.kind).toBe('map');
    await registry.delete('a-two');
    // The filter binary stays (nothing deleted it: replacing a name does not garbage-collect);
    // the map binary went with its last name.
    expect(await keys(store)).toEqual([`modules/${a.id}.wasm`]);
    await expect(registry.delete('a-two')).rejects.toThrow(ModuleNotFoundError);
    await expect(registry.get('nope')).rejects.toThrow('module "nope" does not exist');
  });

  it('keeps the binary when told to, for a caller that cannot see what pins it', async () => {
    dir = makeTempDir('registry');
    const store = new LocalStore(dir);
    const registry = new ModuleRegistry(store);
    const a = await registry.create('only', filter);
    await registry.delete('only', { keepBinary: true });
    expect(await keys(store)).toEqual([`modules/${a.id}.wasm`]);
    expect((await registry.loadById(a.id)).kind).toBe('filter');
  });

  it('registers the built example modules of a modules directory', async () => {
    dir = makeTempDir('registry');
    const modulesDir = path.join(dir, 'modules-src');
    const jf = await loadExampleModule('json-filter');
    // A copy of one example (with its build output) and one module that was never built.
    mkdirSync(modulesDir);
    const src = path.join(REPO_ROOT, 'modules', 'json-filter');
    cpSync(src, path.join(modulesDir, 'json-filter'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'modules', 'json-map', 'assembly'), path.join(modulesDir, 'unbuilt', 'assembly'), { recursive: true });
    const store = new LocalStore(path.join(dir, 'bucket'));
    const { registered, missing } = await registerExampleModules(store, modulesDir);
    expect(registered.map((e) => [e.name, e.kind, e.id])).toEqual([['json-filter', 'filter', jf.id]]);
    expect(missing).toEqual(['unbuilt']);
    expect((await new ModuleRegistry(store).list()).map((e) => e.name)).toEqual(['json-filter']);
  });
});
