import { describe, expect, it } from 'vitest';
import { encodeBatch, decodeBatch, type HostRecord } from '../../runtime/abi/batch.js';
import { loadModule } from '../../runtime/module-loader.js';
import { ModuleInstance } from '../../runtime/instance.js';
import { ModuleError } from '../../runtime/module-error.js';
import { INSTANCE_STAGING_INITIAL_BYTES } from '../../runtime/constants.js';
import { abiModule, type WatOptions } from './wat-modules.js';

const enc = new TextEncoder();
const rec = (offset: number, value: string): HostRecord => ({
  offset: BigInt(offset), timestampMs: 5n, key: null, value: enc.encode(value), headers: [],
});

async function instance(o: WatOptions, params: Record<string, string> = {}, limits = {}): Promise<ModuleInstance> {
  return ModuleInstance.create((await loadModule(abiModule(o))).compiled, params, limits);
}

function caught(fn: () => unknown): ModuleError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModuleError);
    return err as ModuleError;
  }
  throw new Error('expected a ModuleError');
}

// Traps on an empty batch (count 0), identity otherwise.
const TRAP_ON_EMPTY = `(if (i32.eqz (i32.load (local.get $in))) (then unreachable))
  (global.set $out_ptr (local.get $in)) (global.set $out_len (local.get $len)) (i32.load (local.get $in))`;

describe('ModuleInstance', () => {
  it('reads input from shared memory at any alignment and can hand the output back as a view', async () => {
    const inst = await instance({});
    const input = encodeBatch([rec(1, 'a'), rec(2, 'bbb'), rec(3, 'cc')]);
    const want = inst.processEncoded(input, null).output;
    for (const at of [0, 3, 8, 13]) {
      // Shared memory at an 8-aligned and at a misaligned offset (the staged copy).
      const shared = new Uint8Array(new SharedArrayBuffer(input.length + 16), at, input.length);
      shared.set(input);
      expect(inst.processEncoded(shared, null).output, `offset ${at}`).toEqual(want);
      const view = inst.processEncoded(shared, null, { outputView: true }).output;
      expect(view.buffer.byteLength, 'a view into guest memory, not a copy').toBeGreaterThanOrEqual(65536);
      expect(view).toEqual(want);
    }
  });

  it(`stages a misaligned shared input larger than INSTANCE_STAGING_INITIAL_BYTES (${INSTANCE_STAGING_INITIAL_BYTES}) whole`, async () => {
    const inst = await instance({});
    const big = 'x'.repeat(1024);
    const input = encodeBatch(Array.from({ length: Math.ceil((2 * INSTANCE_STAGING_INITIAL_BYTES) / big.length) }, (_, i) => rec(i, big)));
    expect(input.length).toBeGreaterThan(2 * INSTANCE_STAGING_INITIAL_BYTES);
    const shared = new Uint8Array(new SharedArrayBuffer(input.length + 8), 3, input.length);
    shared.set(input);
    expect(inst.processEncoded(shared, null).output).toEqual(input);
  });

  it('copies the batch in, makes one call, and copies the output out', async () => {
    const inst = await instance({});
    expect(inst.kind).toBe('filter');
    const records = [rec(10, 'a'), rec(11, 'bb')];
    const input = encodeBatch(records);
    const { output, state } = inst.processEncoded(input, null);
    expect(output).toEqual(input);
    expect(state).toBeNull();
    expect(inst.process(records).records).toEqual(records);
  });

  it('passes params to init and reports an init failure with the guest message', async () => {
    const err = (() => {
      try {
        ModuleInstance.create(new WebAssembly.Module(abiModule({ init: '(global.set $err_len (i32.const 4)) (i32.const -3)' })), { a: 'b' });
      } catch (e) {
        return e as ModuleError;
      }
      throw new Error('expected init to fail');
    })();
    expect(err).toBeInstanceOf(ModuleError);
    expect(err.code).toBe(-3);
    expect(err.kind).toBe('guest-error');
    expect(err.message).toBe('init failed: boom');
  });

  it('reports a negative result with the guest message as a guest error', async () => {
    const inst = await instance({ process: '(global.set $err_len (i32.const 4)) (i32.const -1)' });
    const err = caught(() => inst.process([rec(0, 'x')]));
    expect([err.code, err.kind, err.message]).toEqual([-1, 'guest-error', 'boom']);
  });

  it('reports a trap, then serves the next batch from a fresh instance', async () => {
    const inst = await instance({ process: TRAP_ON_EMPTY });
    const err = caught(() => inst.process([]));
    expect([err.code, err.kind]).toEqual([-100, 'trap']);
    expect(err.message).toMatch(/unreachable/);
    expect(inst.process([rec(3, 'ok')]).records).toEqual([rec(3, 'ok')]);
  });

  it('reports a trap after a guest message as a guest error with that message', async () => {
    const inst = await instance({ process: '(global.set $err_len (i32.const 4)) unreachable' });
    const err = caught(() => inst.process([rec(0, 'x')]));
    expect([err.code, err.kind, err.message]).toEqual([-1, 'guest-error', 'trap: boom']);
  });

  it('stops output larger than its bound', async () => {
    const inst = await instance({}, {}, { outputMaxBytes: 40 });
    expect(inst.process([rec(0, 'a')]).records).toHaveLength(1);
    const err = caught(() => inst.process([rec(0, 'a'), rec(1, 'b')]));
    expect([err.code, err.kind]).toEqual([-101, 'output-too-large']);
    expect(err.message).toBe('output batch of 62 bytes exceeds the limit of 40 bytes');
  });

  it('reports a guest that exhausts its memory as memory-limit', async () => {
    const hog = '(block $full (loop $l (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $l))) unreachable';
    const inst = await instance({ memory: '1 8', process: hog });
    const err = caught(() => inst.process([rec(0, 'a')]));
    expect([err.code, err.kind]).toEqual([-102, 'memory-limit']);
    expect(err.message).toMatch(/guest memory reached its maximum \(524288 bytes\)/);
  });

  it('enforces a per-instance memory limit below the declared maximum', async () => {
    const grow = '(drop (memory.grow (i32.const 4))) (global.set $out_ptr (local.get $in)) (global.set $out_len (local.get $len)) (i32.load (local.get $in))';
    const inst = await instance({ memory: '1 16', process: grow }, {}, { memoryMaxBytes: 3 * 65536 });
    const err = caught(() => inst.process([rec(0, 'a')]));
    expect(err.kind).toBe('memory-limit');
    expect(err.message).toBe('guest memory grew to 327680 bytes, over the limit of 196608');
  });

  it('refuses output that breaks the kind rules or does not match the returned count', async () => {
    const map = await instance({ kind: 2, process: '(global.set $out_ptr (local.get $in)) (global.set $out_len (i32.const 4)) (i32.store (local.get $in) (i32.const 0)) (i32.const 0)' });
    const err = caught(() => map.process([rec(0, 'a')]));
    expect([err.code, err.message]).toEqual([-103, 'map returned 0 records for 1']);
    const liar = await instance({ process: '(global.set $out_ptr (local.get $in)) (global.set $out_len (local.get $len)) (i32.const 7)' });
    expect(caught(() => liar.process([rec(0, 'a')])).message).toBe('sluice_process returned 7 but the output batch holds 1 records');
    const outside = await instance({ process: '(global.set $out_ptr (i32.const 0x7ffffff0)) (global.set $out_len (i32.const 64)) (i32.const 0)' });
    expect(caught(() => outside.process([rec(0, 'a')])).code).toBe(-103);
  });

  it('passes aggregate state in (-1 before the first batch) and reads the new state back', async () => {
    // Output = input; the state export returns "st"; process stores state_len at 40 for the test to read.
    const inst = await instance({
      kind: 5,
      state: true,
      process: '(i32.store (i32.const 40) (local.get $sl)) (global.set $out_ptr (local.get $in)) (global.set $out_len (local.get $len)) (i32.load (local.get $in))',
      extra: '(func (export "last_state_len") (result i32) (i32.load (i32.const 40)))',
    });
    const first = inst.process([rec(0, 'a')], null);
    expect(new TextDecoder().decode(first.state!)).toBe('st');
    const second = inst.process([rec(1, 'b')], first.state);
    expect(second.state).toEqual(first.state);
  });

  it('forwards sluice.log calls, bounded per batch', async () => {
    const lines: string[] = [];
    const inst = await instance(
      {
        imports: '(import "sluice" "log" (func $log (param i32 i32 i32)))',
        extra: '(global $i (mut i32) (i32.const 0))',
        process: '(loop $l (call $log (i32.const 2) (i32.const 16) (i32.const 4)) (global.set $i (i32.add (global.get $i) (i32.const 1))) (br_if $l (i32.lt_u (global.get $i) (i32.const 100)))) (global.set $out_ptr (local.get $in)) (global.set $out_len (local.get $len)) (i32.load (local.get $in))',
      },
      {},
      { onLog: (level: string, message: string) => lines.push(`${level} ${message}`) },
    );
    inst.process([rec(0, 'a')]);
    expect(lines).toHaveLength(64);
    expect(lines[0]).toBe('warn boom');
  });

  it('decodes what it returns with the same codec', async () => {
    const inst = await instance({});
    const records = [{ ...rec(1, 'v'), headers: [{ key: 'h', value: null }] }];
    expect(decodeBatch(inst.processEncoded(encodeBatch(records), null).output)).toEqual(records);
  });
});

describe('ModuleInstance guest-reported output bound', () => {
  it('reports a guest that returns OUTPUT_TOO_LARGE as output-too-large', async () => {
    const inst = await instance({ process: '(global.set $err_len (i32.const 4)) (i32.const -101)' });
    const err = caught(() => inst.process([rec(0, 'x')]));
    expect([err.code, err.kind, err.message]).toEqual([-101, 'output-too-large', 'boom']);
  });
});
