/**
 * How a connection hands large answers to its socket: at most RESPONSE_WRITE_TURN_MAX_BYTES in one
 * synchronous run (the kernel copies what it is given on the event loop), the rest on later turns,
 * whole and in request order, also to a client that stops reading for a while.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKey } from '../../../broker/protocol/api-keys.js';
import { encodeRequestFrame } from '../../../broker/protocol/apis/index.js';
import type { FetchResponse } from '../../../broker/protocol/apis/fetch.js';
import { Connection } from '../../../broker/server/connection.js';
import { REQUEST_HEADER_MIN_BYTES, REQUEST_MAX_BYTES, RESPONSE_WRITE_TURN_MAX_BYTES } from '../../../broker/constants.js';
import { RawClient } from './raw-client.js';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

function fetchFrame(correlationId: number): Uint8Array {
  return encodeRequestFrame(ApiKey.Fetch, 11, correlationId, 'raw', {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 30, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 30 }] }],
    forgottenTopicsData: [], rackId: '',
  });
}

/** A fetch answer whose records are `parts` sent by reference. */
function answer(parts: Uint8Array[]): FetchResponse {
  return {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: [{ topic: 't', partitions: [{
      partitionIndex: 0, errorCode: 0, highWatermark: 1n, lastStableOffset: 1n, logStartOffset: 0n,
      abortedTransactions: null, preferredReadReplica: -1, records: null, recordParts: parts,
    }] }],
  };
}

/**
 * A broker-side Connection on a real socket whose writes are grouped by synchronous run (a group
 * ends at the next microtask checkpoint), answering fetch number n with `answers[n]`.
 */
async function serve(answers: FetchResponse[]): Promise<{ port: number; groups: number[] }> {
  const groups: number[] = [];
  let open = false;
  server = createServer((socket: Socket) => {
    sockets.push(socket);
    const write = socket.write.bind(socket) as (chunk: Uint8Array) => boolean;
    (socket as unknown as { write: (chunk: Uint8Array) => boolean }).write = (chunk) => {
      if (!open) {
        open = true;
        groups.push(0);
        queueMicrotask(() => (open = false));
      }
      groups[groups.length - 1]! += chunk.byteLength;
      return write(chunk);
    };
    let n = 0;
    new Connection(socket, {
      handlers: { [ApiKey.Fetch]: () => answers[n++]! },
      logger: pino({ level: 'silent' }),
      signal: new AbortController().signal,
      minFrameBytes: REQUEST_HEADER_MIN_BYTES,
      maxFrameBytes: REQUEST_MAX_BYTES,
      maxInFlight: 8,
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { port: (server!.address() as { port: number }).port, groups };
}

describe('a connection writing large answers', () => {
  it(`hands its socket at most ${RESPONSE_WRITE_TURN_MAX_BYTES} bytes per synchronous run, and every answer arrives whole and in order`, async () => {
    const big = Array.from({ length: 6 }, () => new Uint8Array(randomBytes(1024 * 1024 + 17)));
    const small = [new Uint8Array(randomBytes(300))];
    const { port, groups } = await serve([answer(big), answer(small), answer(small)]);
    const c = await RawClient.open(port);
    c.write(fetchFrame(1));
    c.write(fetchFrame(2));
    await c.waitFrames(2);
    // The connection reads on once its last share (a small one) is out.
    c.write(fetchFrame(3));
    await c.waitFrames(3);
    expect(c.frames.map((f) => f.correlationId)).toEqual([1, 2, 3]);
    const [first, second] = [c.decode(c.frames[0]!, ApiKey.Fetch, 11), c.decode(c.frames[1]!, ApiKey.Fetch, 11)];
    expect(Buffer.from(first.responses[0]!.partitions[0]!.records!).equals(Buffer.concat(big))).toBe(true);
    expect(Buffer.from(second.responses[0]!.partitions[0]!.records!).equals(Buffer.from(small[0]!))).toBe(true);
    const total = groups.reduce((a, b) => a + b, 0);
    expect(Math.max(...groups)).toBeLessThanOrEqual(RESPONSE_WRITE_TURN_MAX_BYTES);
    expect(groups.length).toBeGreaterThanOrEqual(Math.ceil(total / RESPONSE_WRITE_TURN_MAX_BYTES));
    c.close();
  });

  it('finishes an answer to a client that stops reading for a while, then reads on', async () => {
    const big = Array.from({ length: 4 }, () => new Uint8Array(randomBytes(2 * 1024 * 1024)));
    const { port } = await serve([answer(big), answer([new Uint8Array([1, 2, 3])]), answer([new Uint8Array([4])])]);
    const c = await RawClient.open(port);
    c.socket.pause();
    c.write(fetchFrame(1));
    c.write(fetchFrame(2));
    await new Promise((r) => setTimeout(r, 300));
    c.socket.resume();
    await c.waitFrames(2);
    c.write(fetchFrame(3));
    await c.waitFrames(3);
    expect(c.frames.map((f) => f.correlationId)).toEqual([1, 2, 3]);
    expect(Buffer.from(c.decode(c.frames[0]!, ApiKey.Fetch, 11).responses[0]!.partitions[0]!.records!).equals(Buffer.concat(big))).toBe(true);
    c.close();
  });
});
