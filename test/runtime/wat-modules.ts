/**
 * Tiny ABI v1 modules written in WAT and assembled with wabt's wat2wasm, for loader and
 * instance tests that need a module to misbehave in one exact way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireTool } from '../helpers/tools.js';

export function watToWasm(wat: string): Uint8Array<ArrayBuffer> {
  const tool = requireTool('wat2wasm');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-wat-'));
  try {
    const src = path.join(dir, 'm.wat');
    const out = path.join(dir, 'm.wasm');
    writeFileSync(src, wat);
    const r = spawnSync(tool, [src, '-o', out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`wat2wasm failed: ${r.stderr}`);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface WatOptions {
  kind?: number;
  abiVersion?: number;
  /** The memory declaration after `(memory (export "memory")`, e.g. "1 16". */
  memory?: string;
  /** Extra import lines. */
  imports?: string;
  /** Export names to leave out. */
  omit?: string[];
  /** Replaces the body of sluice_process; params $in $len $sp $sl. Default: identity (output = input). */
  process?: string;
  /** Replaces the body of sluice_init; params $p $n. */
  init?: string;
  /** Replaces the signature of sluice_process. */
  processSignature?: string;
  /** Adds the aggregate state exports (state = "st" + count byte). */
  state?: boolean;
  /** Extra module fields (data segments, functions). */
  extra?: string;
}

/**
 * A valid module by default: a bump allocator reset at the first alloc after init/process,
 * and an identity process (the output region is the input region). Error message "boom" at 16.
 */
export function abiModuleWat(o: WatOptions = {}): string {
  const omit = new Set(o.omit ?? []);
  const ex = (name: string): string => (omit.has(name) ? '' : `(export "${name}")`);
  return `(module
  ${o.imports ?? ''}
  (memory ${ex('memory')} ${o.memory ?? '1 16'})
  (data (i32.const 16) "boom")
  (global $bump (mut i32) (i32.const 1024))
  (global $stale (mut i32) (i32.const 0))
  (global $out_ptr (mut i32) (i32.const 0))
  (global $out_len (mut i32) (i32.const 0))
  (global $err_len (mut i32) (i32.const 0))
  (func ${ex('sluice_abi_version')} (result i32) (i32.const ${o.abiVersion ?? 1}))
  (func ${ex('sluice_kind')} (result i32) (i32.const ${o.kind ?? 1}))
  (func ${ex('sluice_alloc')} (param $n i32) (result i32) (local $p i32)
    (if (global.get $stale) (then (global.set $bump (i32.const 1024)) (global.set $stale (i32.const 0))))
    (local.set $p (global.get $bump))
    (global.set $bump (i32.add (global.get $bump) (local.get $n)))
    (block $done (loop $grow
      (br_if $done (i32.le_u (global.get $bump) (i32.mul (memory.size) (i32.const 65536))))
      (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
      (br $grow)))
    (local.get $p))
  (func ${ex('sluice_init')} (param $p i32) (param $n i32) (result i32)
    (global.set $stale (i32.const 1))
    ${o.init ?? '(i32.const 0)'})
  (func ${ex('sluice_process')} ${o.processSignature ?? '(param $in i32) (param $len i32) (param $sp i32) (param $sl i32) (result i32)'}
    (global.set $stale (i32.const 1))
    ${o.process ?? '(global.set $out_ptr (local.get $in)) (global.set $out_len (local.get $len)) (i32.load (local.get $in))'})
  (func ${ex('sluice_output_ptr')} (result i32) (global.get $out_ptr))
  (func ${ex('sluice_output_len')} (result i32) (global.get $out_len))
  (func ${ex('sluice_error_ptr')} (result i32) (i32.const 16))
  (func ${ex('sluice_error_len')} (result i32) (global.get $err_len))
  ${o.state ? '(data (i32.const 32) "st") (func (export "sluice_state_ptr") (result i32) (i32.const 32)) (func (export "sluice_state_len") (result i32) (i32.const 2))' : ''}
  ${o.extra ?? ''}
)`;
}

export function abiModule(o: WatOptions = {}): Uint8Array<ArrayBuffer> {
  return watToWasm(abiModuleWat(o));
}

/** sluice_process bodies (for WatOptions.process) of modules whose output is wrong in one way. */
export const BAD_OUTPUT_PROCESS = {
  /** The input given back less its last byte when it holds records: a record count its bytes do not hold. */
  truncated: '(global.set $out_ptr (local.get $in)) (global.set $out_len (i32.sub (local.get $len) (i32.ne (i32.load (local.get $in)) (i32.const 0)))) (i32.load (local.get $in))',
  /** The input given back with its first record moved 1000 offsets on. */
  moved: '(i64.store (i32.add (local.get $in) (i32.const 4)) (i64.add (i64.load (i32.add (local.get $in) (i32.const 4))) (i64.const 1000))) (global.set $out_ptr (local.get $in)) (global.set $out_len (local.get $len)) (i32.load (local.get $in))',
} as const;
