/** Loads built modules for the sandbox tests: misbehaving fixtures and the examples in modules/. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModule, type LoadedModule } from '../../../runtime/module-loader.js';
import type { HostRecord } from '../../../runtime/abi/batch.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function wasmPath(base: string, name: string): string {
  const path = join(ROOT, base, name, 'build', `${name}.wasm`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build:modules\` (npm test does) first`);
  return path;
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(wasmPath('test/fixtures/modules', name)));
}

export function fixtureModule(name: string): Promise<LoadedModule> {
  return loadModule(fixtureBytes(name), { name });
}

export function exampleModule(name: string): Promise<LoadedModule> {
  return loadModule(new Uint8Array(readFileSync(wasmPath('modules', name))), { name });
}

/** Every example module directory in modules/ (each has assembly/index.ts). */
export function exampleNames(): string[] {
  return readdirSync(join(ROOT, 'modules'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'modules', d.name, 'assembly', 'index.ts')))
    .map((d) => d.name)
    .sort();
}

const utf8 = new TextEncoder();

/** Records with the given string values at offsets first, first+1, ... */
export function records(values: (string | null)[], firstOffset = 0n): HostRecord[] {
  return values.map((v, i) => ({
    offset: firstOffset + BigInt(i),
    timestampMs: 1_700_000_000_000n + BigInt(i),
    key: utf8.encode(`k${i % 3}`),
    value: v === null ? null : utf8.encode(v),
    headers: [{ key: 'h', value: utf8.encode(String(i)) }],
  }));
}

export const LOG_LINES = [
  '{"level":"error","user":"ann","n":3,"msg":"disk full","tags":["a","b"]}',
  '{"level":"info","user":"bob","n":5,"msg":"ok"}',
  '{"level":"error","user":"bob","n":7,"msg":"timeout","tags":[]}',
  '{"level":"warn","user":"cid","n":1}',
];
