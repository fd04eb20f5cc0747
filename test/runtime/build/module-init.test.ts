// `sluice module init` writes, for every kind in both languages, a module that builds with
// `sluice module build` and passes `sluice module test` on its sample input as it is, with the
// same output in both languages. Through the CLI, as a new user runs it.
import path from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULE_KINDS } from '../../../runtime/kinds/index.js';
import { loadModule } from '../../../runtime/module-loader.js';
import { ensureBuilt, SLUICE_BIN } from '../../helpers/repo.js';
import { runProcess } from '../../helpers/tools.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

/** What `module test` prints for sample-input.txt, per kind. */
const EXPECTED: Record<string, string> = {
  filter: '{"level":"error","amount":12,"items":["disk","full"]}\n',
  map: '{"LEVEL":"ERROR","AMOUNT":12,"ITEMS":["DISK","FULL"]}\n{"LEVEL":"INFO","AMOUNT":3,"ITEMS":["ALL","GOOD"]}\n',
  filter_map: '12\n3\n',
  array_map: '"disk"\n"full"\n"all"\n"good"\n',
  aggregate: '{"count":1}\n{"count":2}\n',
};

let dir: string;
// The Rust modules share one cargo target directory here, so the SDK is compiled once for all five.
const env = (): NodeJS.ProcessEnv => ({ ...process.env, CARGO_TARGET_DIR: path.join(dir, 'cargo-target') });
const sluice = (args: string[]) => runProcess(process.execPath, [SLUICE_BIN, ...args], { env: env(), timeoutMs: 300_000 });

beforeAll(() => {
  ensureBuilt();
  dir = makeTempDir('module-init');
});
afterAll(() => removeTempDir(dir));

describe('sluice module init', () => {
  for (const lang of ['rust', 'assemblyscript']) {
    for (const kind of MODULE_KINDS) {
      it(`${lang === 'rust' ? 'a Rust' : 'an AssemblyScript'} ${kind} module builds and passes module test as generated`, async () => {
        const name = `my-${kind.replace('_', '-')}-${lang === 'rust' ? 'rs' : 'as'}`;
        const moduleDir = path.join(dir, name);
        const init = await sluice(['module', 'init', moduleDir, '--lang', lang, '--kind', kind]);
        expect([init.code, init.stderr]).toEqual([0, '']);
        expect(init.stdout.toString()).toMatch(new RegExp(`^created ${lang} ${kind} module ${name} in `));
        const build = await sluice(['module', 'build', moduleDir]);
        expect(build.stderr).toBe('');
        expect(build.stdout.toString()).toBe(`built ${name} -> ${path.join(moduleDir, 'build', `${name}.wasm`)}\n`);
        const wasm = path.join(moduleDir, 'build', `${name}.wasm`);
        const loaded = await loadModule(readFileSync(wasm));
        expect(loaded.kind).toBe(kind);
        expect(WebAssembly.Module.imports(loaded.compiled)).toEqual([]);
        const test = await sluice(['module', 'test', wasm, '--input', path.join(moduleDir, 'sample-input.txt')]);
        expect(test.stderr).toBe('');
        expect(test.code).toBe(0);
        expect(test.stdout.toString()).toBe(EXPECTED[kind]);
      }, 300_000);
    }
  }

  it('writes a Rust module that is an ordinary cargo package of its own', () => {
    const moduleDir = path.join(dir, 'my-filter-rs');
    const cargo = readFileSync(path.join(moduleDir, 'Cargo.toml'), 'utf8');
    expect(cargo).toMatch(/^name = "my-filter-rs"$/m);
    expect(cargo).toMatch(/^crate-type = \["cdylib"\]$/m);
    expect(cargo).toMatch(/^sluice-sdk = \{ path = ".*sdk\/rust" \}$/m);
    expect(cargo).toMatch(/^\[workspace\]$/m);
    expect(readFileSync(path.join(moduleDir, '.cargo', 'config.toml'), 'utf8')).toMatch(/link-arg=--max-memory=67108864/);
    expect(readFileSync(path.join(moduleDir, 'sluice.yaml'), 'utf8')).toMatch(/^name: my-filter-rs\nkind: filter\n/);
  });

  it('refuses a directory that is not empty, a bad language, kind or name, with one line', async () => {
    const full = path.join(dir, 'full');
    mkdirSync(full, { recursive: true });
    writeFileSync(path.join(full, 'x'), '');
    const cases: [string[], RegExp][] = [
      [['module', 'init', full, '--lang', 'rust', '--kind', 'map'], /^sluice: .*full exists and is not empty\n$/],
      [['module', 'init', path.join(dir, 'a'), '--lang', 'go', '--kind', 'map'], /^sluice: --lang must be one of rust, assemblyscript, not "go"\n$/],
      [['module', 'init', path.join(dir, 'b'), '--lang', 'rust', '--kind', 'reduce'], /^sluice: --kind must be one of filter, map, filter_map, array_map, aggregate, not "reduce"\n$/],
      [['module', 'init', path.join(dir, 'Bad_Name'), '--lang', 'rust', '--kind', 'map'], /^sluice: module name "Bad_Name" must match .*; give --name\n$/],
    ];
    for (const [args, message] of cases) {
      const r = await sluice(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(existsSync(path.join(dir, 'a'))).toBe(false);
    const named = await sluice(['--output', 'json', 'module', 'init', path.join(dir, 'Bad_Name'), '--lang', 'assemblyscript', '--kind', 'map', '--name', 'good-name']);
    expect(JSON.parse(named.stdout.toString())).toMatchObject({ name: 'good-name', language: 'assemblyscript', kind: 'map' });
  });
});
