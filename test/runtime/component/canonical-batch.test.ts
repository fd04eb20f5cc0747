// The host's lowering of ABI v1 batches into a guest's list<record> and lifting back, against a
// guest made of a WebAssembly.Memory and a bump allocator written here: both lowerings (one block,
// list by list) describe the same records; lifting gives the ABI v1 bytes of whatever the
// descriptors point at, whether a record is still in place, moved or changed; and every bad
// pointer, discriminant or header key from the guest is BAD_OUTPUT.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBatch, type HostRecord } from '../../../runtime/abi/batch.js';
import { ABI_ERROR } from '../../../runtime/abi/error-codes.js';
import { MemoryViews, RECORD_BYTES, batchHelper, liftBatch, liftBatchInGuest, liftedBatchSize, type BatchHelper, type GuestMemory } from '../../../runtime/component/canonical-batch.js';
import { lowerBatch } from '../../../runtime/component/canonical-lower.js';
import { ModuleError } from '../../../runtime/module-error.js';
import { batchOf } from '../../modules/twin-records.js';
import { CANONICAL_BATCH_WASM_BASE64 } from '../../../runtime/component/canonical-wasm.js';
import { REPO_ROOT } from '../../helpers/repo.js';
import { watToWasm } from '../wat-modules.js';

const PAGE = 65536;

/**
 * A guest: one memory, a bump allocator that counts its calls (a resize always moves the block,
 * so the host must take the pointer it returns), and the helper module on both.
 */
function fakeGuest(): { g: GuestMemory; v: MemoryViews; helper: BatchHelper; calls: () => number } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 256 });
  let top = 16;
  let calls = 0;
  const realloc = (oldPtr: number, oldLen: number, align: number, size: number): number => {
    calls++;
    const ptr = Math.ceil(top / align) * align;
    top = ptr + size;
    if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / PAGE));
    if (oldPtr !== 0) new Uint8Array(memory.buffer).copyWithin(ptr, oldPtr, oldPtr + Math.min(oldLen, size));
    return ptr;
  };
  const g = { realloc, memory };
  return { g, v: new MemoryViews(memory), helper: batchHelper(g), calls: () => calls };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * Lifts the records whose descriptors the guest copied to a new list (as a filter returns them),
 * in JavaScript and with the helper module; expects both to give the same bytes.
 */
function liftSelection(guest: ReturnType<typeof fakeGuest>, list: number, picks: number[]): Uint8Array {
  const out = guest.g.realloc(0, 0, 8, Math.max(picks.length, 1) * RECORD_BYTES);
  guest.v.refresh();
  picks.forEach((i, k) => guest.v.u8.copyWithin(out + k * RECORD_BYTES, list + i * RECORD_BYTES, list + (i + 1) * RECORD_BYTES));
  const size = liftedBatchSize(guest.v, out, picks.length, 1 << 30);
  const lifted = liftBatch(guest.v, out, picks.length, size);
  expect(hex(liftBatchInGuest(guest.g, guest.v, guest.helper, out, picks.length, size, 1 << 30))).toBe(hex(lifted));
  return lifted;
}

/** lowerBatch in one block (with the guest's helper module) or list by list. */
const lower = (guest: ReturnType<typeof fakeGuest>, input: Uint8Array, oneBlock: boolean): { ptr: number; len: number } =>
  lowerBatch(guest.g, guest.v, input, guest.helper, oneBlock);

const picksOf = (records: unknown[]): fc.Arbitrary<number[]> => fc.subarray(records.map((_, i) => i)).chain((s) => fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }));

describe('lowering a batch and lifting what the guest returns', () => {
  it('gives back the ABI v1 bytes of the records returned, in their order, from either lowering', () => {
    fc.assert(
      fc.property(batchOf(7n).chain((rs) => fc.tuple(fc.constant(rs), picksOf(rs), fc.boolean())), ([records, picks, oneBlock]) => {
        const guest = fakeGuest();
        const { ptr, len } = lower(guest, encodeBatch(records), oneBlock);
        expect(len).toBe(records.length);
        expect(hex(liftSelection(guest, ptr, picks))).toBe(hex(encodeBatch(picks.map((i) => records[i]!))));
      }),
      { numRuns: 300 },
    );
  });

  it('allocates once for a batch without headers in one block, twice with headers, and once per list (and header key) otherwise', () => {
    const enc = new TextEncoder();
    const records: HostRecord[] = [0, 1, 2].map((i) => ({ offset: BigInt(i), timestampMs: 5n, key: enc.encode(`k${i}`), value: enc.encode(`v${i}`), headers: [] }));
    const withHeader: HostRecord[] = [...records, { ...records[0]!, headers: [{ key: 'h', value: null }] }];
    // List by list: the block the batch is copied into, a key, a value and a header list per record, and the block resized to the list.
    const cases: [HostRecord[], boolean, number][] = [[records, true, 1], [records, false, 1 + 3 * 3 + 1], [withHeader, true, 2], [withHeader, false, 1 + 4 * 3 + 1 + 1]];
    for (const [batch, oneBlock, calls] of cases) {
      const guest = fakeGuest();
      lower(guest, encodeBatch(batch), oneBlock);
      expect(guest.calls(), `one block: ${oneBlock}`).toBe(calls);
    }
  });

  it('lifts a record the guest changed or moved from what it points at now', () => {
    const enc = new TextEncoder();
    const records: HostRecord[] = [0, 1, 2, 3].map((i) => ({ offset: BigInt(i), timestampMs: 9n, key: i === 3 ? null : enc.encode(`key${i}`), value: enc.encode(`value${i}`), headers: [{ key: 'h', value: enc.encode('x') }] }));
    const guest = fakeGuest();
    const { ptr } = lower(guest, encodeBatch(records), true);
    // Record 0: its offset changed in the descriptor only. Record 1: its value moved elsewhere and
    // changed. Record 2: a byte of its value changed where it lies. Record 3: its key dropped.
    guest.v.dv.setInt32(ptr, 42, true);
    const moved = guest.g.realloc(0, 0, 1, 3);
    guest.v.refresh();
    guest.v.u8.set(enc.encode('new'), moved);
    guest.v.dv.setUint32(ptr + RECORD_BYTES + 32, moved, true);
    guest.v.dv.setUint32(ptr + RECORD_BYTES + 36, 3, true);
    const value2 = guest.v.dv.getUint32(ptr + 2 * RECORD_BYTES + 32, true);
    guest.v.u8[value2] = 'V'.charCodeAt(0);
    guest.v.u8[ptr + 3 * RECORD_BYTES + 28] = 0;
    const want = [
      { ...records[0]!, offset: 42n },
      { ...records[1]!, value: enc.encode('new') },
      { ...records[2]!, value: enc.encode('Value2') },
      { ...records[3]!, value: null },
    ];
    expect(hex(liftSelection(guest, ptr, [0, 1, 2, 3]))).toBe(hex(encodeBatch(want)));
  });

  it('lowers a header key that is not UTF-8 with U+FFFD, in both lowerings', () => {
    // One record, no key or value, one header whose key is the byte 0xff.
    const input = Uint8Array.from([1, 0, 0, 0, ...new Array(16).fill(0), 255, 255, 255, 255, 255, 255, 255, 255, 1, 0, 0, 0, 1, 0, 0, 0, 0xff, 255, 255, 255, 255]);
    for (const oneBlock of [true, false]) {
      const guest = fakeGuest();
      const { ptr } = lower(guest, input, oneBlock);
      const out = liftSelection(guest, ptr, [0]);
      expect(hex(out)).toBe(hex(encodeBatch([{ offset: 0n, timestampMs: 0n, key: null, value: null, headers: [{ key: '\ufffd', value: null }] }])));
    }
  });

  it('keeps a header key that is UTF-8 but not ASCII as it is, in both lowerings', () => {
    const records: HostRecord[] = [{ offset: 3n, timestampMs: 4n, key: null, value: new TextEncoder().encode('{}'), headers: [{ key: 'ünï', value: null }, { key: 'k', value: Uint8Array.of(1) }] }];
    for (const oneBlock of [true, false]) {
      const guest = fakeGuest();
      const { ptr } = lower(guest, encodeBatch(records), oneBlock);
      expect(hex(liftSelection(guest, ptr, [0])), `one block: ${oneBlock}`).toBe(hex(encodeBatch(records)));
    }
  });

  it('refuses an input batch cut short or counting more records than it can hold', () => {
    const whole = encodeBatch([{ offset: 1n, timestampMs: 2n, key: null, value: new Uint8Array(40), headers: [] }]);
    expect(() => lower(fakeGuest(), whole.subarray(0, whole.length - 8), true)).toThrow(/is not a whole ABI v1 batch/);
    expect(() => lower(fakeGuest(), whole.subarray(0, whole.length - 8), false)).toThrow(RangeError);
    const counted = whole.slice();
    counted[0] = 3;
    expect(() => lower(fakeGuest(), counted, true)).toThrow(/cannot hold 3 records/);
  });
});

describe('lifting checks every pointer the guest returns', () => {
  const enc = new TextEncoder();
  const records: HostRecord[] = [{ offset: 1n, timestampMs: 2n, key: enc.encode('k'), value: enc.encode('{"a":1}'), headers: [{ key: 'h', value: enc.encode('v') }] }];
  const damaged = (damage: (dv: DataView, u8: Uint8Array, ptr: number) => void): unknown => {
    const guest = fakeGuest();
    const { ptr } = lower(guest, encodeBatch(records), true);
    damage(guest.v.dv, guest.v.u8, ptr);
    try {
      liftSelection(guest, ptr, [0]);
    } catch (err) {
      return err;
    }
    return null;
  };
  const cases: [string, (dv: DataView, u8: Uint8Array, ptr: number) => void, RegExp][] = [
    ['a value pointer past memory', (dv, _u, p) => dv.setUint32(p + 32, 1 << 30, true), /record value at \d+\+7 lies outside guest memory/],
    ['a value length past memory', (dv, u8, p) => dv.setUint32(p + 36, u8.length, true), /record value .* lies outside guest memory/],
    ['a key discriminant of 2', (_dv, u8, p) => (u8[p + 16] = 2), /record key: option discriminant 2/],
    ['a header list past memory', (dv, _u, p) => dv.setUint32(p + 40, (1 << 30) - 4, true), /header list .* lies outside guest memory/],
    ['a misaligned header list', (dv, _u, p) => dv.setUint32(p + 40, dv.getUint32(p + 40, true) + 1, true), /header list at \d+ is not aligned/],
    ['a header key that is not UTF-8', (dv, u8, p) => (u8[dv.getUint32(dv.getUint32(p + 40, true), true)] = 0xff), /header key at \d+\+1 is not UTF-8/],
  ];
  for (const [what, damage, message] of cases) {
    it(`is BAD_OUTPUT for ${what}`, () => {
      const err = damaged(damage);
      expect(err).toBeInstanceOf(ModuleError);
      expect(err).toMatchObject({ code: ABI_ERROR.BAD_OUTPUT, kind: 'guest-error' });
      expect((err as Error).message).toMatch(message);
    });
  }

  it('is BAD_OUTPUT when the guest changes its output while the host allocates in it', () => {
    for (const [change, message] of [
      [(dv: DataView, ptr: number) => dv.setUint32(ptr + 32, 1 << 30, true), /record value at \d+\+7 lies outside guest memory/],
      [(dv: DataView, ptr: number) => dv.setUint32(ptr + 36, 2, true), /output list changed while the host allocated for it/],
    ] as const) {
      const guest = fakeGuest();
      const { ptr } = lower(guest, encodeBatch(records), true);
      const size = liftedBatchSize(guest.v, ptr, 1, 1 << 30);
      const realloc = guest.g.realloc;
      guest.g.realloc = (oldPtr, oldLen, align, newLen) => {
        const at = realloc(oldPtr, oldLen, align, newLen);
        guest.v.refresh();
        change(guest.v.dv, ptr);
        return at;
      };
      expect(() => liftBatchInGuest(guest.g, guest.v, guest.helper, ptr, 1, size, 1 << 30)).toThrow(message);
    }
  });

  it('is BAD_OUTPUT for a record list that is misaligned or past memory', () => {
    const guest = fakeGuest();
    lower(guest, encodeBatch(records), true);
    expect(() => liftedBatchSize(guest.v, 4, 1, 1 << 30)).toThrow(/output list at 4 is not aligned to 8/);
    expect(() => liftedBatchSize(guest.v, guest.v.u8.length - 8, 1, 1 << 30)).toThrow(/output list .* lies outside guest memory/);
  });
});

describe('the helper module', () => {
  it('is canonical-batch.wat as wat2wasm assembles it (scripts/build-canonical-wasm.mjs)', () => {
    const wat = readFileSync(path.join(REPO_ROOT, 'runtime', 'component', 'canonical-batch.wat'), 'utf8');
    expect(Buffer.from(CANONICAL_BATCH_WASM_BASE64, 'base64').toString('hex')).toBe(Buffer.from(watToWasm(wat)).toString('hex'));
  });
});
