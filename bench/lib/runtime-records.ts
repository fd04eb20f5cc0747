/** The runtime bench's records, the JavaScript it compares against, and how batches are handed to a runner. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LE_LENGTH_BYTES, LittleEndianReader, LittleEndianWriter } from '../../broker/protocol/little-endian.js';
import { BatchBuffers, loadModule, type HostRecord, type LoadedModule, type RunOptions } from '../../runtime/index.js';
import { packageRoot } from './results.js';

/** Size of each record value: a small JSON log line. */
const RECORD_VALUE_BYTES = 100;
/** Share of records the filter keeps: one in four has level "error". */
const ERROR_EVERY = 4;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Deterministic 100-byte JSON values; every fourth has level "error". */
export function makeRecords(count: number): HostRecord[] {
  const out: HostRecord[] = [];
  for (let i = 0; i < count; i++) {
    const level = i % ERROR_EVERY === 0 ? 'error' : i % ERROR_EVERY === 1 ? 'warn' : 'info';
    const head = `{"level":"${level}","user":"u${String(i % 100000).padStart(5, '0')}","code":${i % 1000},"msg":"`;
    const tail = '"}';
    const pad = RECORD_VALUE_BYTES - head.length - tail.length;
    const value = enc.encode(head + 'x'.repeat(pad) + tail);
    if (value.length !== RECORD_VALUE_BYTES) throw new Error(`record ${i} is ${value.length} bytes`);
    out.push({ offset: BigInt(i), timestampMs: 1_700_000_000_000n + BigInt(i), key: null, value, headers: [] });
  }
  return out;
}

// What a JavaScript user would write for the same two modules.
export function jsFilter(records: HostRecord[]): HostRecord[] {
  return records.filter((r) => r.value !== null && JSON.parse(dec.decode(r.value)).level === 'error');
}
export function jsMap(records: HostRecord[]): HostRecord[] {
  return records.map((r) => {
    if (r.value === null) return r;
    const v = JSON.parse(dec.decode(r.value));
    return { ...r, value: enc.encode(JSON.stringify({ level: v.level, user: v.user })) };
  });
}

/** Extism's batch input: u32le count, then u32le length + bytes per value. */
export function extismBatch(records: HostRecord[]): Uint8Array {
  const values = records.map((r) => r.value ?? new Uint8Array(0));
  let size = LE_LENGTH_BYTES;
  for (const v of values) size += LE_LENGTH_BYTES + v.length;
  const w = new LittleEndianWriter(new Uint8Array(size)).uint32(values.length);
  for (const v of values) w.bytesU32(v);
  return w.bytes;
}

/** The record count at the start of an Extism filter's output. */
export function extismCount(output: Uint8Array): number {
  return new LittleEndianReader(output).uint32();
}

export async function loadExample(dir: string): Promise<LoadedModule> {
  const path = join(packageRoot(), 'modules', dir, 'build', `${dir}.wasm`);
  if (!existsSync(path)) throw new Error(`${path} missing: run \`npm run build:modules\` first`);
  return loadModule(new Uint8Array(readFileSync(path)), { name: dir });
}

/**
 * A batch handed to a runner as ErrorPolicy.runBatch hands it over: `fill` (outside the timed call)
 * copies `encoded` into a buffer recycled from the calls before (`input`); the call gets the
 * buffers in `options`, so the input goes whole (the pool may transfer it to the worker and answer
 * in it) and the output lands in one of them; `done` gives the input and the output back for the
 * next call and returns the output's length.
 */
export function handOver(encoded: Uint8Array): { input: Uint8Array; options: RunOptions; fill: () => void; done: (output: Uint8Array) => number } {
  const buffers = new BatchBuffers();
  const hand = {
    input: encoded.slice(),
    options: { buffers },
    fill: (): void => {
      hand.input = buffers.copyOf(encoded);
    },
    done: (output: Uint8Array): number => {
      buffers.give(hand.input);
      buffers.give(output);
      return output.length;
    },
  };
  return hand;
}
