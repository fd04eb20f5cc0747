// The shared-memory mailbox between the host and each worker: batches that fit go through the
// region, larger inputs, outputs and states fall back to transferred buffers on the port, and
// every path gives the inline runner's bytes. Queued batches from several modules all come back
// to the right caller; close ends the serving tasks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type HostRecord } from '../../../runtime/abi/batch.js';
import { BatchBuffers } from '../../../runtime/abi/batch-buffers.js';
import { INPUT_BATCH_MAX_BYTES, SANDBOX_MAILBOX_BYTES, SANDBOX_TRANSFER_MIN_BYTES } from '../../../runtime/constants.js';
import { InlineRunner, PoolClosedError, SandboxPool } from '../../../runtime/sandbox/index.js';
import { record } from '../../modules/cases.js';
import { exampleModule, fixtureModule, LOG_LINES, records } from './fixtures.js';

const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('hex'));

function amounts(n: number, first: number): HostRecord[] {
  return Array.from({ length: n }, (_, i) => record(first + i, `{"amount":${(i % 7) + 1}}`, `key-number-${i % 20}`));
}

describe('sandbox mailbox', () => {
  const inline = new InlineRunner();
  afterAll(async () => {
    await inline.close();
  });

  describe('a region too small for the batch', () => {
    let pool: SandboxPool;
    beforeAll(async () => {
      // 256 bytes: a few records fit, larger batches, outputs and states go over the port.
      pool = await SandboxPool.start({ threads: 2, mailboxBytes: 256 });
    });
    afterAll(async () => {
      await pool?.close();
    });

    it('filter: small and large batches give the inline bytes', async () => {
      const module = await exampleModule('json-filter');
      const params = { field: 'level', value: 'error' };
      const sh = pool.register(module, { params });
      const ih = inline.register(module, { params });
      for (const n of [1, 2, 40, 400]) {
        const batch = records(Array.from({ length: n }, (_, i) => LOG_LINES[i % LOG_LINES.length]!), BigInt(n * 1000));
        const input = encodeBatch(batch);
        const want = inline.runSync(ih, input);
        const got = await pool.run(sh, encodeBatch(batch));
        expect(hex(got.output), `batch of ${n}`).toBe(hex(want.output));
        // LOG_LINES has errors at positions 0 and 2 of every 4.
        expect(decodeBatch(got.output), `batch of ${n}`).toHaveLength(Math.floor(n / 4) * 2 + Math.min(n % 4 === 0 ? 0 : n % 4 <= 2 ? 1 : 2, 2));
      }
    });

    it('aggregate: a state larger than the region travels on the port and stays the caller’s', async () => {
      const module = await exampleModule('count-sum');
      const sh = pool.register(module);
      const ih = inline.register(module);
      let sState: Uint8Array | null = null;
      let iState: Uint8Array | null = null;
      for (let b = 0; b < 4; b++) {
        const batch = amounts(b === 2 ? 3 : 60, b * 100);
        const want = inline.runSync(ih, encodeBatch(batch), iState);
        const passed = sState === null ? null : sState.slice();
        const got = await pool.run(sh, encodeBatch(batch), passed);
        expect(hex(got.output)).toBe(hex(want.output));
        expect(hex(got.state)).toBe(hex(want.state));
        // The state handed in is untouched.
        expect(hex(passed)).toBe(hex(sState));
        sState = got.state;
        iState = want.state;
      }
      expect(sState!.length).toBeGreaterThan(256);
    });
  });

  describe('a region that holds the input but not the output', () => {
    let pool: SandboxPool;
    beforeAll(async () => {
      pool = await SandboxPool.start({ threads: 1, mailboxBytes: 8192 });
    });
    afterAll(async () => {
      await pool?.close();
    });

    it('array_map output past the region comes back whole', async () => {
      const module = await fixtureModule('output-flood');
      const sh = pool.register(module, { params: { copies: '20' } });
      const ih = inline.register(module, { params: { copies: '20' } });
      const input = encodeBatch(records(['a', 'b'], 5n));
      const want = inline.runSync(ih, input);
      expect(want.output.length).toBeGreaterThan(8192);
      const got = await pool.run(sh, encodeBatch(records(['a', 'b'], 5n)));
      expect(hex(got.output)).toBe(hex(want.output));
      expect(decodeBatch(got.output)).toHaveLength(40);
      // The next small call goes through the region again.
      const small = pool.register(module, { params: { copies: '1' } });
      expect(decodeBatch((await pool.run(small, encodeBatch(records(['c'], 9n)))).output)).toHaveLength(1);
    });
  });

  describe('many callers', () => {
    let pool: SandboxPool;
    beforeAll(async () => {
      pool = await SandboxPool.start({ threads: 2 });
    });

    it('queued batches of several modules each come back to their caller', async () => {
      const filter = await exampleModule('json-filter');
      const handles = [
        pool.register(filter, { params: { field: 'level', value: 'error' } }),
        pool.register(filter, { params: { field: 'level', value: 'warn' } }),
        pool.register(filter, { params: { field: 'user', value: 'bob' } }),
      ];
      const expected = handles.map((h) => inline.runSync(inline.register(filter, { params: h.spec.params }), encodeBatch(records(LOG_LINES, 0n))));
      const calls = Array.from({ length: 60 }, (_, i) => ({ i, run: pool.run(handles[i % 3]!, encodeBatch(records(LOG_LINES, 0n))) }));
      for (const { i, run } of calls) expect(hex((await run).output), `call ${i}`).toBe(hex(expected[i % 3]!.output));
      expect(pool.stats().completed).toBeGreaterThanOrEqual(60);
    });

    it('takes a large input that is a buffer of its own (transfer), copies one that is a view, with the same output', async () => {
      const filter = await exampleModule('json-filter');
      const params = { field: 'level', value: 'error' };
      const sh = pool.register(filter, { params });
      const batch = records(Array.from({ length: 2000 }, (_, i) => LOG_LINES[i % LOG_LINES.length]!), 7n);
      const want = hex(inline.runSync(inline.register(filter, { params }), encodeBatch(batch)).output);
      const whole = encodeBatch(batch);
      expect(whole.length).toBeGreaterThanOrEqual(SANDBOX_TRANSFER_MIN_BYTES);
      expect(whole.length).toBeLessThan(SANDBOX_MAILBOX_BYTES); // it would fit the region: transferred by choice
      expect(hex((await pool.run(sh, whole)).output)).toBe(want);
      expect(whole.byteLength, 'transferred away').toBe(0);
      // A view into a larger buffer is copied (never detach what the caller did not hand over whole).
      const bytes = encodeBatch(batch);
      const host = new Uint8Array(bytes.length + 8);
      host.set(bytes, 8);
      const view = host.subarray(8);
      expect(hex((await pool.run(sh, view)).output)).toBe(want);
      expect(hex(view)).toBe(hex(bytes));
      // Just under the bound: copied into the region, the caller's buffer untouched.
      const small = encodeBatch(records(LOG_LINES, 0n));
      expect(small.length).toBeLessThan(SANDBOX_TRANSFER_MIN_BYTES);
      await pool.run(sh, small);
      expect(small.byteLength).toBeGreaterThan(0);
    });

    it('takes an input handed over with its batch buffers whole, even from a larger buffer; outputs land in the buffers', async () => {
      const filter = await exampleModule('json-filter');
      const params = { field: 'level', value: 'error' };
      const sh = pool.register(filter, { params });
      const ih = inline.register(filter, { params });
      const batch = records(Array.from({ length: 2000 }, (_, i) => LOG_LINES[i % LOG_LINES.length]!), 7n);
      const want = hex(inline.runSync(ih, encodeBatch(batch)).output);
      const buffers = new BatchBuffers();
      const given = encodeBatch(batch, buffers);
      const size = given.buffer.byteLength;
      const length = given.length;
      expect(given.length).toBeGreaterThanOrEqual(SANDBOX_TRANSFER_MIN_BYTES);
      expect(size, 'a view of a larger buffer').toBeGreaterThan(given.length);
      const out = (await pool.run(sh, given, null, { buffers })).output;
      expect(hex(out)).toBe(want);
      expect(given.byteLength, 'transferred away').toBe(0);
      expect(out.buffer.byteLength, 'the output came back in the given buffer').toBe(size);
      // Only the view's bytes are the batch: a buffer past the input bound behind it does not count.
      const roomy = new Uint8Array(new ArrayBuffer(INPUT_BATCH_MAX_BYTES + 4096), 0, length);
      roomy.set(encodeBatch(batch));
      expect(hex((await pool.run(sh, roomy, null, { buffers })).output)).toBe(want);
      expect(roomy.byteLength, 'transferred away').toBe(0);
      // The same kind of view, not handed over: copied, the caller's buffer untouched.
      const kept = encodeBatch(batch, new BatchBuffers());
      const before = hex(kept);
      expect(hex((await pool.run(sh, kept)).output)).toBe(want);
      expect(hex(kept)).toBe(before);
      // Handed over, but not at its buffer's start: copied too.
      const host = buffers.take(length + 8);
      host.set(encodeBatch(batch), 8);
      const inner = host.subarray(8);
      expect(hex((await pool.run(sh, inner, null, { buffers })).output)).toBe(want);
      expect(inner.byteLength).toBe(length);
      // A small batch goes through the region; its output is copied into a buffer taken from them.
      const small = new BatchBuffers();
      const one = encodeBatch(records(LOG_LINES, 0n), small);
      const smallOut = (await pool.run(sh, one, null, { buffers: small })).output;
      expect(hex(smallOut)).toBe(hex(inline.runSync(ih, encodeBatch(records(LOG_LINES, 0n))).output));
      expect(one.byteLength, 'not transferred').toBeGreaterThan(0);
      expect(small.stats().taken, 'the input and the output').toBe(2);
      small.give(one);
      expect(small.take(smallOut.length).buffer, 'the input\'s buffer, recycled').toBe(one.buffer);
      // Inline, the output lands in the buffers as well.
      const inlineBuffers = new BatchBuffers();
      const inlineOut = inline.runSync(ih, encodeBatch(batch), null, { buffers: inlineBuffers }).output;
      expect(hex(inlineOut)).toBe(want);
      expect(inlineBuffers.stats().taken).toBe(1);
      inlineBuffers.give(inlineOut);
      expect(inlineBuffers.take(10).buffer).toBe(inlineOut.buffer);
    });

    it('sends the output back in a transferred input\'s buffer when it fits, and whole when it does not', async () => {
      // json-split: one record per array element, so a long array of small numbers comes out
      // several times larger than it went in (each record carries offset, timestamp, key and
      // headers around its value); a filter's output is smaller than its input.
      const split = await exampleModule('json-split');
      const sh = pool.register(split);
      const ih = inline.register(split);
      const value = `[${Array.from({ length: 2000 }, (_, i) => i % 10).join(',')}]`;
      const batch = Array.from({ length: 40 }, (_, i) => record(i, value));
      const input = encodeBatch(batch);
      expect(input.length).toBeGreaterThanOrEqual(SANDBOX_TRANSFER_MIN_BYTES);
      const want = inline.runSync(ih, encodeBatch(batch)).output;
      expect(want.length, 'output larger than the input').toBeGreaterThan(input.length);
      const got = await pool.run(sh, input);
      expect(input.byteLength, 'transferred away').toBe(0);
      expect(got.output.length).toBe(want.length);
      expect(hex(got.output)).toBe(hex(want));
      // Smaller output: it comes back as a view of the buffer the input went out in.
      const filter = await exampleModule('json-filter');
      const fh = pool.register(filter, { params: { field: 'level', value: 'error' } });
      const logs = encodeBatch(records(Array.from({ length: 2000 }, (_, i) => LOG_LINES[i % LOG_LINES.length]!), 0n));
      const size = logs.length;
      const out = (await pool.run(fh, logs)).output;
      expect(out.length).toBeLessThan(size);
      expect(out.buffer.byteLength, 'the input\'s buffer, returned').toBe(size);
      expect(decodeBatch(out)).toHaveLength(1000);
    });

    it('close ends the serving tasks and refuses new batches', async () => {
      const filter = await exampleModule('json-filter');
      const h = pool.register(filter, { params: { field: 'level', value: 'error' } });
      const last = pool.run(h, encodeBatch(records(LOG_LINES, 0n)));
      await pool.close();
      expect(decodeBatch((await last).output).map((r) => r.offset)).toEqual([0n, 2n]);
      await expect(pool.run(h, encodeBatch(records(LOG_LINES, 0n)))).rejects.toBeInstanceOf(PoolClosedError);
    });
  });
});
