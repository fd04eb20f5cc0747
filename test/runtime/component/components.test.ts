// Components of the sdk/wit worlds run beside ABI v1 core modules: the same json-filter as an
// AssemblyScript core module, a Rust component and a JavaScript component gives the same bytes
// inline and in the sandbox; components outside the package are refused with what is wrong; the
// registry keeps a component's transpiled form in the bucket so no other load transpiles it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { componentEmbed, componentNew } from '@bytecodealliance/jco-transpile/wasm-tools';
import { LocalStore } from '../../../broker/storage/local-store.js';
import { CountingStore } from '../../../broker/storage/counting-store.js';
import { encodeBatch } from '../../../runtime/abi/batch.js';
import { createGuestInstance } from '../../../runtime/guest-code.js';
import { loadModule, ModuleValidationError, type LoadedModule } from '../../../runtime/module-loader.js';
import { ModuleRegistry, transpiledKey } from '../../../runtime/registry.js';
import { SandboxPool, SandboxError } from '../../../runtime/sandbox/index.js';
import { witDir } from '../../../runtime/component/worlds.js';
import { COMPONENT_MEMORY_MAX_BYTES } from '../../../runtime/constants.js';
import { loadExampleModule } from '../../modules/example-modules.js';
import { batchOf } from '../../modules/twin-records.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

const PARAMS: Record<string, string>[] = [{}, { field: 'code', value: '503' }, { field: 's', value: 'é' }, { field: 'amount', value: '1' }, { field: 'ünï', value: 'ß' }];
const RUNS_INLINE = 150;
const RUNS_SANDBOX = 30;
const PACKAGE = readFileSync(join(witDir(), 'smartmodule.wit'), 'utf8');

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

let core: LoadedModule;
let rust: LoadedModule;
let js: LoadedModule;
beforeAll(async () => {
  [core, rust, js] = await Promise.all([
    loadExampleModule('json-filter'),
    loadExampleModule('json-filter-component-rs'),
    loadExampleModule('json-filter-component-js'),
  ]);
}, 600_000);

/** A component with no code of its own (`jco embed --dummy`, `jco new`) for a world of `witSource`: every export traps. */
async function dummyComponent(witSource: string, world: string): Promise<Uint8Array> {
  return componentNew(await componentEmbed({ dummy: true, witSource, world }));
}

describe('json-filter as a core module, a Rust component and a JavaScript component', () => {
  it('load as filters; the components name their world', () => {
    expect([core.kind, rust.kind, js.kind]).toEqual(['filter', 'filter', 'filter']);
    expect([core.code.format, rust.code.format, js.code.format]).toEqual(['core', 'component', 'component']);
    expect(rust.world).toBe('sluice:smartmodule/filter@1.0.0');
    expect(js.world).toBe('sluice:smartmodule/filter@1.0.0');
  });

  it('give the same bytes inline, batch after batch, on generated batches', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PARAMS), fc.array(batchOf(0n), { minLength: 1, maxLength: 3 }), (params, batches) => {
        const [c, r, j] = [core, rust, js].map((m) => createGuestInstance(m.code, params));
        for (const batch of batches) {
          const input = encodeBatch(batch);
          const want = hex(c!.processEncoded(input, null).output);
          expect(hex(r!.processEncoded(input, null).output)).toBe(want);
          expect(hex(j!.processEncoded(input, null).output)).toBe(want);
        }
      }),
      { numRuns: RUNS_INLINE },
    );
  }, 300_000);

  describe('in the sandbox', () => {
    let pool: SandboxPool;
    beforeAll(async () => {
      pool = await SandboxPool.start({ threads: 2, deadlineMsDefault: 30_000 });
    });
    afterAll(async () => {
      await pool.close();
    });

    it('give the same bytes as inline, through the worker pool', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...PARAMS), batchOf(100n, 48), async (params, batch) => {
          const input = encodeBatch(batch);
          const want = hex(createGuestInstance(core.code, params).processEncoded(input, null).output);
          for (const m of [core, rust, js]) {
            const handle = pool.register(m, { params });
            expect(hex((await pool.run(handle, input.slice())).output), m.name).toBe(want);
          }
        }),
        { numRuns: RUNS_SANDBOX },
      );
    }, 300_000);

    it('fail a batch whose output passes the output bound, and run the next one', async () => {
      const handle = pool.register(rust, { params: { field: 'level', value: 'error' }, limits: { outputMaxBytes: 64 } });
      const enc = new TextEncoder();
      const big = encodeBatch([0, 1, 2].map((i) => ({ offset: BigInt(i), timestampMs: 0n, key: null, value: enc.encode(`{"level":"error","pad":"${'x'.repeat(40)}"}`), headers: [] })));
      await expect(pool.run(handle, big)).rejects.toMatchObject({ kind: 'output-too-large' });
      const small = encodeBatch([{ offset: 5n, timestampMs: 0n, key: null, value: enc.encode('{"level":"error"}'), headers: [] }]);
      expect((await pool.run(handle, small)).output.length).toBeGreaterThan(4);
    }, 60_000);

    it('report a component that traps in init as a failed instantiation, naming the trap', async () => {
      const trapping = await loadModule(await dummyComponent(PACKAGE, 'filter'), { name: 'dummy' });
      const err = await pool.run(pool.register(trapping), encodeBatch([])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxError);
      expect(err).toMatchObject({ kind: 'instantiate' });
      expect((err as Error).message).toMatch(/init trapped: unreachable/);
    }, 60_000);
  });
});

describe('components outside the package are refused when loaded', () => {
  it('names an import outside the world', async () => {
    const wit = PACKAGE.replace('interface log {', 'interface clock {\n  now: func() -> u64;\n}\n\ninterface log {').replace(
      'world filter {\n  use types.{%record, error, params};\n  import log;',
      'world filter {\n  use types.{%record, error, params};\n  import log;\n  import clock;',
    );
    const component = await dummyComponent(wit, 'filter');
    await expect(loadModule(component)).rejects.toThrow(ModuleValidationError);
    await expect(loadModule(component)).rejects.toThrow(/component imports "sluice:smartmodule\/clock@1\.0\.0": .* may import only/);
  }, 60_000);

  it('names a bare function import too', async () => {
    const wit = PACKAGE.replace('world filter {\n  use types.{%record, error, params};', 'world filter {\n  use types.{%record, error, params};\n  import getenv: func(name: string) -> string;');
    await expect(loadModule(await dummyComponent(wit, 'filter'))).rejects.toThrow(/component imports "getenv"/);
  }, 60_000);

  it('refuses a world the package does not have', async () => {
    const wit = `${PACKAGE}\nworld reduce {\n  use types.{%record, error, params};\n  export init: func(params: params) -> result<_, error>;\n  export reduce: func(records: list<%record>) -> result<list<%record>, error>;\n}\n`;
    await expect(loadModule(await dummyComponent(wit, 'reduce'))).rejects.toThrow(
      /component exports "init", "reduce": not a world of sluice:smartmodule@1\.0\.0 \(filter, map, filter-map, array-map, aggregate/,
    );
  }, 60_000);

  it('refuses a world of the right name whose record type differs from the package', async () => {
    const wit = PACKAGE.replace('    headers: list<header>,\n  }', '    headers: list<header>,\n    partition: s32,\n  }');
    await expect(loadModule(await dummyComponent(wit, 'filter'))).rejects.toThrow(/component types differ from sluice:smartmodule\/filter@1\.0\.0 .*partition/);
  }, 60_000);

  it('refuses a function of the world with another signature', async () => {
    const wit = PACKAGE.replace('export filter: func(records: list<%record>) -> result<list<%record>, error>;', 'export filter: func(records: list<%record>) -> list<%record>;');
    await expect(loadModule(await dummyComponent(wit, 'filter'))).rejects.toThrow(/component export "filter: func\(records: list<%record>\) -> list<%record>" differs/);
  }, 60_000);

  it('accepts every world of the package, each as its kind', async () => {
    const kinds: string[] = [];
    for (const world of ['filter', '%map', 'filter-map', 'array-map', 'aggregate']) kinds.push((await loadModule(await dummyComponent(PACKAGE, world))).kind);
    expect(kinds).toEqual(['filter', 'map', 'filter_map', 'array_map', 'aggregate']);
  }, 120_000);
});

describe('the registry and components', () => {
  let dir: string | undefined;
  afterEach(() => removeTempDir(dir));

  it('caches the transpiled component in the bucket; another registry on it loads it without transpiling', async () => {
    dir = makeTempDir('component-registry');
    const entry = await new ModuleRegistry(new LocalStore(dir)).create('jf-rs', rust.bytes);
    expect(entry).toMatchObject({ name: 'jf-rs', kind: 'filter', format: 'component', world: 'sluice:smartmodule/filter@1.0.0' });
    const cached = await new LocalStore(dir).get(transpiledKey(entry.id));
    expect(cached.length).toBeGreaterThan(rust.bytes.length);

    // A second broker: its registry reads the cache and writes nothing (a transpile would store its output).
    const counting = new CountingStore(new LocalStore(dir));
    const other = new ModuleRegistry(counting);
    const { module } = await other.get('jf-rs');
    const byId = await other.loadById(entry.id, 'jf-rs');
    expect(counting.writeRequests).toBe(0);
    expect(hex(module.workerBytes)).toBe(hex(cached));
    const input = encodeBatch([{ offset: 1n, timestampMs: 2n, key: null, value: new TextEncoder().encode('{"level":"error"}'), headers: [] }]);
    expect(hex(createGuestInstance(byId.code, {}).processEncoded(input, null).output)).toBe(hex(createGuestInstance(core.code, {}).processEncoded(input, null).output));

    // Deleting the last name removes the binary and its cache.
    await other.delete('jf-rs');
    expect((await new LocalStore(dir).list('modules/')).map((o) => o.key)).toEqual([]);
  }, 120_000);

  it('transpiles again when the cached form is damaged, and replaces it', async () => {
    dir = makeTempDir('component-registry');
    const store = new LocalStore(dir);
    const entry = await new ModuleRegistry(store).create('jf-rs', rust.bytes);
    const good = await store.get(transpiledKey(entry.id));
    await store.put(transpiledKey(entry.id), good.subarray(0, good.length - 10));
    const { module } = await new ModuleRegistry(store).get('jf-rs');
    expect(module.kind).toBe('filter');
    expect(hex(await store.get(transpiledKey(entry.id)))).toBe(hex(good));
  }, 120_000);
});

describe("a component's memory bound", () => {
  it('is imposed on its core modules: a maximum added or lowered, a memory that starts above it refused', async () => {
    const { withMemoryMaximum, readWasmLayout } = await import('../../../runtime/wasm-binary.js');
    const { decodeTranspiled } = await import('../../../runtime/component/transpiled.js');
    const files = [...decodeTranspiled(js.workerBytes).files].filter(([n]) => n.endsWith('.wasm')).map(([, b]) => b);
    const main = files.find((b) => readWasmLayout(b).memories.length > 0)!;
    expect(readWasmLayout(main).memories[0]!.maxPages).toBeNull(); // componentize-js declares none
    const min = readWasmLayout(main).memories[0]!.minPages;
    const bounded = withMemoryMaximum(main, min + 3);
    expect(readWasmLayout(bounded).memories[0]).toMatchObject({ minPages: min, maxPages: min + 3 });
    expect(() => new WebAssembly.Module(bounded as Uint8Array<ArrayBuffer>)).not.toThrow();
    expect(() => withMemoryMaximum(main, min - 1)).toThrow(/memory starts at \d+ pages, over the limit of \d+/);
    expect(rust.memoryMaxBytes).toBe(COMPONENT_MEMORY_MAX_BYTES);
  });
});
