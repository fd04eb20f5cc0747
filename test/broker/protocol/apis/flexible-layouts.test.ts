/**
 * The flexible versions sluice advertises, against bytes laid out by hand from Kafka's message
 * schemas (clients/src/main/resources/common/message/*.json): a round trip alone cannot catch a
 * mistake made the same way on both sides. No client on this machine sends these versions
 * (librdkafka 2.0 predates DescribeCluster and IncrementalAlterConfigs; kafkajs asks Metadata).
 */
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../../broker/protocol/api-keys.js';
import { CODECS, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../../../broker/protocol/apis/index.js';
import { decodeRequestHeader } from '../../../../broker/protocol/header.js';
import { Reader } from '../../../../broker/protocol/reader.js';
import { Writer } from '../../../../broker/protocol/writer.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|]/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): string => Buffer.from(s).toString('hex');

describe('DescribeCluster v0 (flexible in every version)', () => {
  const response = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    clusterId: 'sluice',
    controllerId: 1,
    brokers: [{ brokerId: 1, host: '127.0.0.1', port: 9092, rack: null }],
    clusterAuthorizedOperations: -2147483648,
  };
  const responseBody =
    '00000000 0000 00' + // throttle_time_ms, error_code, error_message null (varint 0)
    `07${ascii('sluice')} 00000001` + // cluster_id (length+1), controller_id
    `02 00000001 0a${ascii('127.0.0.1')} 00002384 00 00` + // one broker: id, host, port, rack null, tags
    '80000000 00'; // cluster_authorized_operations, tags

  it('encodes and decodes the response byte for byte, behind a v1 response header', () => {
    const frame = encodeResponseFrame(ApiKey.DescribeCluster, 0, 5, response);
    const body = hex(responseBody);
    expect(toHex(frame)).toBe(toHex(hex(`${(4 + 1 + body.byteLength).toString(16).padStart(8, '0')} 00000005 00`)) + toHex(body));
    expect(decodeResponseFrame(ApiKey.DescribeCluster, 0, frame)).toEqual({ correlationId: 5, response });
  });

  it('reads a request behind a v2 request header, with and without tagged fields', () => {
    const frame = encodeRequestFrame(ApiKey.DescribeCluster, 0, 9, 'admin', { includeClusterAuthorizedOperations: true });
    expect(toHex(frame.subarray(4))).toBe(`003c 0000 00000009 0005${ascii('admin')} 00 01 00`.replace(/\s/g, ''));
    // A newer client may send a tagged field we do not know: it is skipped.
    const withTag = hex(`01 01 07 02 01 02`);
    const r = new Reader(withTag);
    expect(CODECS[ApiKey.DescribeCluster].decodeRequest(r, 0)).toEqual({ includeClusterAuthorizedOperations: true });
    expect(r.remaining).toBe(0);
    const h = new Reader(frame, 4);
    expect(decodeRequestHeader(h)).toMatchObject({ apiKey: ApiKey.DescribeCluster, clientId: 'admin' });
  });
});

describe('IncrementalAlterConfigs', () => {
  const request = {
    resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }, { name: 'max.message.bytes', configOperation: 1, value: null }] }],
    validateOnly: false,
  };

  it('v1 (flexible) lays the request out with compact forms and a tag buffer per struct', () => {
    const expected = hex(
      '02 02' + // one resource, resource_type 2 (topic)
        `02${ascii('t')}` + // resource_name
        '03' + // two configs
        `0d${ascii('retention.ms')} 00 05${ascii('1000')} 00` + // SET with a value, tags
        `12${ascii('max.message.bytes')} 01 00 00` + // DELETE, value null, tags
        '00' + // resource tags
        '00 00', // validate_only, request tags
    );
    const w = new Writer();
    CODECS[ApiKey.IncrementalAlterConfigs].encodeRequest(w, 1, request);
    expect(toHex(w.toUint8Array())).toBe(toHex(expected));
    expect(CODECS[ApiKey.IncrementalAlterConfigs].decodeRequest(new Reader(expected), 1)).toEqual(request);
  });

  it('v0 lays it out with classic strings and arrays', () => {
    const expected = hex(
      '00000001 02' +
        `0001${ascii('t')}` +
        '00000002' +
        `000c${ascii('retention.ms')} 00 0004${ascii('1000')}` +
        `0011${ascii('max.message.bytes')} 01 ffff` +
        '00',
    );
    const w = new Writer();
    CODECS[ApiKey.IncrementalAlterConfigs].encodeRequest(w, 0, request);
    expect(toHex(w.toUint8Array())).toBe(toHex(expected));
  });

  it('v1 response: compact message and name, tags after each response and the whole', () => {
    const res = { throttleTimeMs: 0, responses: [{ errorCode: 40, errorMessage: 'bad', resourceType: 2, resourceName: 't' }] };
    const expected = hex(`00000000 02 0028 04${ascii('bad')} 02 02${ascii('t')} 00 00`);
    const w = new Writer();
    CODECS[ApiKey.IncrementalAlterConfigs].encodeResponse(w, 1, res);
    expect(toHex(w.toUint8Array())).toBe(toHex(expected));
  });
});

describe('ListOffsets v7 (flexible, max_timestamp)', () => {
  it('lays out a request for timestamp -3 with compact forms and tag buffers', () => {
    const req = { replicaId: -1, isolationLevel: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -3n }] }] };
    const expected = hex(`ffffffff 00 02 02${ascii('t')} 02 00000000 ffffffff fffffffffffffffd 00 00 00`);
    const w = new Writer();
    CODECS[ApiKey.ListOffsets].encodeRequest(w, 7, req);
    expect(toHex(w.toUint8Array())).toBe(toHex(expected));
    expect(CODECS[ApiKey.ListOffsets].decodeRequest(new Reader(expected), 7)).toEqual(req);
  });

  it('lays out the response the same way', () => {
    const res = { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: 1000n, offset: 4n, leaderEpoch: -1 }] }] };
    const expected = hex(`00000000 02 02${ascii('t')} 02 00000000 0000 00000000000003e8 0000000000000004 ffffffff 00 00 00`);
    const w = new Writer();
    CODECS[ApiKey.ListOffsets].encodeResponse(w, 6, res);
    expect(toHex(w.toUint8Array())).toBe(toHex(expected));
  });
});
