import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiKey, SUPPORTED_VERSIONS, apiName } from '../../../../broker/protocol/api-keys.js';
import {
  CODECS,
  codecFor,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  type ImplementedApiKey,
} from '../../../../broker/protocol/apis/index.js';
import { KafkaError, ProtocolError } from '../../../../broker/protocol/errors.js';
import { ErrorCode } from '../../../../broker/protocol/error-codes.js';
import { decodeRequestHeader } from '../../../../broker/protocol/header.js';
import { Reader } from '../../../../broker/protocol/reader.js';
import { Writer } from '../../../../broker/protocol/writer.js';
import { ARBITRARIES } from './arbitraries.js';

/** Fields per byte of frame a decoded request may hold (the widest element, Fetch's partition, has 5). */
const NODES_PER_BYTE_MAX = 8;

function nodeCount(v: unknown): number {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return 1;
  const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
  return children.reduce<number>((n, c) => n + nodeCount(c), 1);
}

const keys = Object.keys(CODECS).map(Number) as ImplementedApiKey[];
const cases = keys.flatMap((k) => {
  const c = CODECS[k];
  const out: Array<{ key: ImplementedApiKey; version: number; label: string }> = [];
  for (let v = c.min; v <= c.max; v++) out.push({ key: k, version: v, label: `${apiName(k)} v${v}` });
  return out;
});

describe('codec table', () => {
  it('has a codec for every advertised key, with the advertised range', () => {
    expect(keys.sort((a, b) => a - b)).toEqual(SUPPORTED_VERSIONS.map((s) => s.apiKey).sort((a, b) => a - b));
    for (const s of SUPPORTED_VERSIONS) {
      const c = codecFor(s.apiKey)!;
      expect([c.min, c.max]).toEqual([s.min, s.max]);
    }
    expect(codecFor(999)).toBeUndefined();
  });

  it('refuses versions outside the range with UNSUPPORTED_VERSION', () => {
    for (const s of SUPPORTED_VERSIONS) {
      const c = codecFor(s.apiKey)!;
      for (const v of [s.min - 1, s.max + 1]) {
        const err = (() => {
          try {
            c.decodeRequest(new Reader(new Uint8Array(64)), v);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        expect(err).toBeInstanceOf(KafkaError);
        expect((err as KafkaError).code).toBe(ErrorCode.UNSUPPORTED_VERSION);
        expect(() => c.encodeResponse(new Writer(), v, {} as never)).toThrow(KafkaError);
      }
    }
  });
});

describe.each(cases)('$label', ({ key, version }) => {
  const codec = codecFor(key)!;
  const arbs = ARBITRARIES[key] as { request: (v: number) => fc.Arbitrary<unknown>; response: (v: number) => fc.Arbitrary<unknown> };

  it('request: decode(encode(x)) is x and consumes every byte', () => {
    fc.assert(
      fc.property(arbs.request(version), (req) => {
        const w = new Writer();
        codec.encodeRequest(w, version, req);
        const r = new Reader(w.toUint8Array());
        expect(codec.decodeRequest(r, version)).toEqual(req);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('response: decode(encode(x)) is x and consumes every byte', () => {
    fc.assert(
      fc.property(arbs.response(version), (res) => {
        const w = new Writer();
        codec.encodeResponse(w, version, res);
        const r = new Reader(w.toUint8Array());
        expect(codec.decodeResponse(r, version)).toEqual(res);
        expect(r.remaining).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('random and mutated request bytes only ever throw ProtocolError', () => {
    const mutated = arbs.request(version).chain((req) => {
      const w = new Writer();
      codec.encodeRequest(w, version, req);
      const valid = w.toUint8Array().slice();
      return fc
        .array(
          fc.oneof(
            fc.record({ op: fc.constant('flip' as const), at: fc.nat(), b: fc.integer({ min: 0, max: 255 }) }),
            fc.record({ op: fc.constant('cut' as const), at: fc.nat(), b: fc.constant(0) }),
            fc.record({ op: fc.constant('max' as const), at: fc.nat(), b: fc.constantFrom(0x7f, 0xff, 0x80) }),
          ),
          { minLength: 1, maxLength: 4 },
        )
        .map((muts) => {
          let bytes = valid.slice();
          for (const m of muts) {
            if (bytes.length === 0) break;
            const at = m.at % bytes.length;
            if (m.op === 'cut') bytes = bytes.slice(0, at);
            else bytes[at] = m.b;
          }
          return bytes;
        });
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), mutated), (bytes) => {
        let decoded: unknown;
        try {
          decoded = codec.decodeRequest(new Reader(bytes), version);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          return;
        }
        // What a frame decodes to grows at most linearly with the frame: every array element
        // consumed at least one byte, so a small frame cannot become a large object graph.
        expect(nodeCount(decoded)).toBeLessThanOrEqual(NODES_PER_BYTE_MAX * bytes.byteLength + NODES_PER_BYTE_MAX);
      }),
      { numRuns: 150 },
    );
  });
});

describe('response decoders (used by our own client)', () => {
  it('random bytes only ever throw ProtocolError, for every API and version', () => {
    const keyVersion = fc.constantFrom(...cases);
    fc.assert(
      fc.property(keyVersion, fc.uint8Array({ maxLength: 200 }), ({ key, version }, bytes) => {
        try {
          codecFor(key)!.decodeResponse(new Reader(bytes), version);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('frames', () => {
  it('encodes a request frame whose header and body decode back', () => {
    const frame = encodeRequestFrame(ApiKey.Metadata, 4, 77, 'client-a', {
      topics: [{ name: 'orders' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const r = new Reader(frame);
    expect(r.int32()).toBe(frame.byteLength - 4);
    expect(decodeRequestHeader(r)).toEqual({ apiKey: ApiKey.Metadata, apiVersion: 4, correlationId: 77, clientId: 'client-a' });
    expect(CODECS[ApiKey.Metadata].decodeRequest(r, 4).topics).toEqual([{ name: 'orders' }]);
    expect(r.remaining).toBe(0);
  });

  it('round-trips a response frame and checks the size prefix', () => {
    const res = { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 7 }], throttleTimeMs: 0 };
    const frame = encodeResponseFrame(ApiKey.ApiVersions, 3, 9, res);
    expect(decodeResponseFrame(ApiKey.ApiVersions, 3, frame)).toEqual({ correlationId: 9, response: res });
    expect(() => decodeResponseFrame(ApiKey.ApiVersions, 3, frame.subarray(0, frame.length - 1))).toThrow(ProtocolError);
  });

  it('a hostile top-level array count is refused at once', () => {
    // Produce v7: transactional_id null, acks, timeout, then a topic count of 2^31-1 with 4 bytes behind it.
    const w = new Writer().nullableString(null).int16(1).int32(1000).int32(0x7fffffff).int32(0);
    // Refused on the count itself, against the bytes left, before a single element is read or allocated.
    expect(() => CODECS[ApiKey.Produce].decodeRequest(new Reader(w.toUint8Array()), 7)).toThrow(/^array count 2147483647 at offset 8 exceeds the 4 bytes left$/);
  });
});
