/**
 * A raw TCP peer for server tests: writes arbitrary bytes, collects whole response frames, and
 * reports when the broker closes the connection.
 */
import { connect, type Socket } from 'node:net';
import { decodeResponseHeader } from '../../../broker/protocol/header.js';
import { CODECS, type ImplementedApiKey, type ResponseOf } from '../../../broker/protocol/apis/index.js';
import { Reader } from '../../../broker/protocol/reader.js';

export interface RawFrame {
  correlationId: number;
  /** The frame after its size prefix (header + body). */
  bytes: Uint8Array;
}

export class RawClient {
  readonly frames: RawFrame[] = [];
  closed = false;
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        if (this.buffer.length < 4) break;
        const size = this.buffer.readInt32BE(0);
        if (this.buffer.length < 4 + size) break;
        const bytes = new Uint8Array(this.buffer.subarray(4, 4 + size));
        this.buffer = this.buffer.subarray(4 + size);
        this.frames.push({ correlationId: new Reader(bytes).int32(), bytes });
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `cond` holds (checked on every frame or close), failing after timeoutMs. */
  async until(cond: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; frames ${this.frames.length}, closed ${this.closed}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitFrames(n: number, timeoutMs?: number): Promise<void> {
    return this.until(() => this.frames.length >= n, timeoutMs, `${n} frames`);
  }

  waitClosed(timeoutMs?: number): Promise<void> {
    return this.until(() => this.closed, timeoutMs, 'close');
  }

  decode<K extends ImplementedApiKey>(frame: RawFrame, apiKey: K, version: number): ResponseOf<K> {
    const r = new Reader(frame.bytes);
    decodeResponseHeader(r, apiKey, version);
    return CODECS[apiKey].decodeResponse(r, version);
  }

  close(): void {
    this.socket.destroy();
  }
}
