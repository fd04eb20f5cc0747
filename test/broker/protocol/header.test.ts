import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { ProtocolError } from '../../../broker/protocol/errors.js';
import {
  decodeRequestHeader,
  decodeRequestHeaderPrefix,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  responseHeaderVersion,
  type RequestHeader,
} from '../../../broker/protocol/header.js';
import { Reader } from '../../../broker/protocol/reader.js';
import { Writer } from '../../../broker/protocol/writer.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

describe('request header', () => {
  it('reads the v2 header of librdkafka ApiVersions v3 (client id stays a classic string, then tags)', () => {
    // Captured from kcat: size, key 18, version 3, correlation 1, client id "rdkafka", no tags, body
    const frame = hex('00000024 0012 0003 00000001 0007 72646b61666b61 00 0b6c69627264');
    const r = new Reader(frame, 4);
    expect(decodeRequestHeader(r)).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'rdkafka' });
    expect(r.offset).toBe(4 + 2 + 2 + 4 + 2 + 7 + 1);
  });

  it('reads the prefix of a version it does not know without reading further', () => {
    const frame = hex('0012 0063 0000002a ffff');
    const r = new Reader(frame);
    expect(decodeRequestHeaderPrefix(r)).toEqual({ apiKey: 18, apiVersion: 99, correlationId: 42 });
    expect(r.remaining).toBe(2);
    expect(() => decodeRequestHeaderPrefix(new Reader(hex('0012 0003 0000')))).toThrow(ProtocolError);
  });

  it('round-trips every header (property)', () => {
    const keys = Object.values(ApiKey);
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.option(fc.string({ unit: 'grapheme', maxLength: 20 }), { nil: null }),
        (apiKey, apiVersion, correlationId, clientId) => {
          const h: RequestHeader = { apiKey, apiVersion, correlationId, clientId };
          const w = new Writer();
          encodeRequestHeader(w, h);
          const r = new Reader(w.toUint8Array());
          expect(decodeRequestHeader(r)).toEqual(h);
          expect(r.remaining).toBe(0);
        },
      ),
    );
  });
});

describe('response header', () => {
  it('is v0 for ApiVersions at every version and for non-flexible versions', () => {
    for (let v = 0; v <= 3; v++) expect(responseHeaderVersion(ApiKey.ApiVersions, v)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Metadata, 8)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Metadata, 9)).toBe(1);
    expect(responseHeaderVersion(ApiKey.Fetch, 11)).toBe(0);
  });

  it('writes just the correlation id for v0 and adds tags for v1', () => {
    const w0 = new Writer();
    encodeResponseHeader(w0, ApiKey.ApiVersions, 3, 7);
    expect([...w0.toUint8Array()]).toEqual([0, 0, 0, 7]);
    const w1 = new Writer();
    encodeResponseHeader(w1, ApiKey.Metadata, 9, 7);
    expect([...w1.toUint8Array()]).toEqual([0, 0, 0, 7, 0]);
    expect(decodeResponseHeader(new Reader(w1.toUint8Array()), ApiKey.Metadata, 9)).toEqual({ correlationId: 7 });
  });
});
