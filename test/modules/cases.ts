/**
 * Fixed inputs and hand-written expected outputs for every example module, shared by the
 * inline tests here and the sandbox tests (the same cases must give the same bytes there).
 */
import type { HostRecord } from '../../runtime/abi/batch.js';

export interface ModuleCase {
  title: string;
  params: Record<string, string>;
  /** Batches in order; aggregate state flows from one to the next. */
  batches: HostRecord[][];
  /** Expected output per batch as [offset, key, value] (strings are UTF-8; null is null). */
  expected: [number, string | null, string | null][][];
}

const enc = new TextEncoder();
export function record(offset: number, value: string | null, key: string | null = null, headers: HostRecord['headers'] = []): HostRecord {
  return {
    offset: BigInt(offset),
    timestampMs: 1_700_000_000_000n + BigInt(offset),
    key: key === null ? null : enc.encode(key),
    value: value === null ? null : enc.encode(value),
    headers,
  };
}

export const MODULE_CASES: Record<string, ModuleCase[]> = {
  'json-filter': [
    {
      title: 'keeps level=error by default, whatever the field order, spacing or escapes',
      params: {},
      batches: [[
        record(0, '{"level":"error","msg":"disk full"}', 'a', [{ key: 'trace', value: enc.encode('t-1') }, { key: 'empty', value: null }]),
        record(1, '{"level":"info","msg":"ok"}', 'b'),
        record(2, '{ "msg" : "x", "level" : "error" }'),
        record(3, '{"nested":{"level":"error"},"level":"warn"}'),
        record(4, 'not json'),
        record(5, null),
        record(6, '{"level":"err\\u006fr"}'),
        record(7, '{"level":"errors"}'),
        record(8, '{"lvl":"error","msg":"\\"level\\":\\"error\\""}'),
      ]],
      expected: [[
        [0, 'a', '{"level":"error","msg":"disk full"}'],
        [2, null, '{ "msg" : "x", "level" : "error" }'],
        [6, null, '{"level":"err\\u006fr"}'],
      ]],
    },
    {
      title: 'matches another field and a non-string value by its JSON text',
      params: { field: 'code', value: '503' },
      batches: [[record(10, '{"code":503}'), record(11, '{"code":"503"}'), record(12, '{"code":5030}'), record(13, '{"code":200}')]],
      expected: [[[10, null, '{"code":503}'], [11, null, '{"code":"503"}']]],
    },
  ],
  'json-map': [
    {
      title: 'keeps the listed fields in the listed order and upper-cases one',
      params: { fields: 'user,level,missing', upper: 'level' },
      batches: [[
        record(0, '{"level":"warn","user":{"id":7},"msg":"hi"}', 'k'),
        record(1, '{"level":"ünïcode","user":null}'),
        record(2, 'plain text'),
        record(3, '[1,2]'),
        record(4, '{"level":"a\\"b"}'),
      ]],
      expected: [[
        [0, 'k', '{"user":{"id":7},"level":"WARN"}'],
        [1, null, '{"user":null,"level":"ÜNÏCODE"}'],
        [2, null, 'plain text'],
        [3, null, '[1,2]'],
        [4, null, '{"level":"A\\"B"}'],
      ]],
    },
    {
      title: 'with no fields listed keeps every field in document order',
      params: { upper: 'name' },
      batches: [[record(5, '{ "name" : "bob", "n" : 1.5e3, "tags":["x"] }')]],
      expected: [[[5, null, '{"name":"BOB","n":1.5e3,"tags":["x"]}']]],
    },
  ],
  'json-filter-map': [
    {
      title: 'extracts a field and drops records without it or below min',
      params: { field: 'amount', min: '10' },
      batches: [[
        record(0, '{"amount":12.5,"user":"a"}', 'u1'),
        record(1, '{"amount":3}'),
        record(2, '{"amount":"20"}'),
        record(3, '{"other":1}'),
        record(4, '{"amount":10}'),
      ]],
      expected: [[[0, 'u1', '12.5'], [4, null, '10']]],
    },
    {
      title: 'without min keeps any value, as raw JSON',
      params: { field: 'user' },
      batches: [[record(7, '{"user":{"name":"x"}}'), record(8, '{"user":"y"}'), record(9, '{}')]],
      expected: [[[7, null, '{"name":"x"}'], [8, null, '"y"']]],
    },
  ],
  'json-split': [
    {
      title: 'one record per array element, each keeping the source offset and key',
      params: {},
      batches: [[
        record(0, '[1,"two",{"three":3},[4]]', 'k', [{ key: 'src', value: enc.encode('s') }]),
        record(1, '{"not":"an array"}'),
        record(2, '[]'),
        record(3, '[ true , null ]'),
      ]],
      expected: [[
        [0, 'k', '1'], [0, 'k', '"two"'], [0, 'k', '{"three":3}'], [0, 'k', '[4]'],
        [3, null, 'true'], [3, null, 'null'],
      ]],
    },
    {
      title: 'splits the array in a field',
      params: { field: 'items' },
      batches: [[record(5, '{"id":1,"items":["a","b"]}'), record(6, '{"id":2}')]],
      expected: [[[5, null, '"a"'], [5, null, '"b"']]],
    },
  ],
  'count-sum': [
    {
      title: 'running count and sum per key, carried across batches by the host',
      params: {},
      batches: [
        [
          record(0, '{"amount":2}', 'a', [{ key: 'h', value: enc.encode('v') }]),
          record(1, '{"amount":3.5}', 'b'),
          record(2, '{"amount":1}', 'a'),
          record(3, 'no amount'),
        ],
        [record(4, '{"amount":0.25}', 'a'), record(5, '{"amount":-1}', null)],
      ],
      expected: [
        [
          [0, 'a', '{"key":"a","count":1,"sum":2}'],
          [1, 'b', '{"key":"b","count":1,"sum":3.5}'],
          [2, 'a', '{"key":"a","count":2,"sum":3}'],
          [3, null, '{"key":null,"count":1,"sum":0}'],
        ],
        [
          [4, 'a', '{"key":"a","count":3,"sum":3.25}'],
          [5, null, '{"key":null,"count":2,"sum":-1}'],
        ],
      ],
    },
    {
      title: 'sums another field',
      params: { field: 'n' },
      batches: [[record(0, '{"n":5,"amount":100}', 'x'), record(1, '{"n":7}', 'x')]],
      expected: [[[0, 'x', '{"key":"x","count":1,"sum":5}'], [1, 'x', '{"key":"x","count":2,"sum":12}']]],
    },
  ],
};
