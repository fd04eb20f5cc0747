/**
 * The smallest Kafka client the CLI needs: one connection to one broker, requests encoded and
 * answers decoded with sluice's own protocol codecs, pipelined and matched by correlation id.
 */
import { connect, type Socket } from 'node:net';
import {
  CODECS,
  encodeRequestFrame,
  type ImplementedApiKey,
  type RequestOf,
  type ResponseOf,
} from '../../broker/protocol/apis/index.js';
import { decodeResponseHeader } from '../../broker/protocol/header.js';
import { Reader } from '../../broker/protocol/reader.js';
import { FrameDecoder, FrameError } from '../../broker/server/frame-decoder.js';

/** Largest response the CLI accepts: a fetch answer is bounded by the max_bytes we send. */
const RESPONSE_MAX_BYTES = 256 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 5_000;
const CLIENT_ID = 'sluice-cli';

export class KafkaClientError extends Error {
  override readonly name = 'KafkaClientError';
}

interface Pending {
  apiKey: ImplementedApiKey;
  apiVersion: number;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export function parseBootstrap(bootstrap: string): { host: string; port: number } {
  const first = bootstrap.split(',')[0]!.trim();
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(first);
  if (m === null) throw new KafkaClientError(`bootstrap: expected host:port, got ${JSON.stringify(bootstrap)}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new KafkaClientError(`bootstrap: port ${port} out of range`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export class KafkaClient {
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder(4, RESPONSE_MAX_BYTES);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private failure: Error | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(new KafkaClientError(`connection error: ${err.message}`)));
    socket.on('close', () => this.fail(new KafkaClientError('connection closed by the broker')));
  }

  static connect(bootstrap: string): Promise<KafkaClient> {
    const { host, port } = parseBootstrap(bootstrap);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KafkaClientError(`cannot connect to ${host}:${port}: timed out`));
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new KafkaClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new KafkaClientError(`cannot connect to ${host}:${port}: ${err.message}`));
      });
    });
  }

  request<K extends ImplementedApiKey>(apiKey: K, apiVersion: number, req: RequestOf<K>): Promise<ResponseOf<K>> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequestFrame(apiKey, apiVersion, correlationId, CLIENT_ID, req);
    return new Promise<ResponseOf<K>>((resolve, reject) => {
      this.pending.set(correlationId, { apiKey, apiVersion, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(frame);
    });
  }

  /** Sends a request that gets no answer (produce with acks=0). */
  send<K extends ImplementedApiKey>(apiKey: K, apiVersion: number, req: RequestOf<K>): void {
    if (this.failure !== null) throw this.failure;
    this.socket.write(encodeRequestFrame(apiKey, apiVersion, this.nextCorrelationId++, CLIENT_ID, req));
  }

  close(): void {
    this.failure ??= new KafkaClientError('client closed');
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.decoder.push(chunk);
    try {
      for (let frame = this.decoder.next(); frame !== null; frame = this.decoder.next()) this.onFrame(frame);
    } catch (err) {
      this.fail(new KafkaClientError(err instanceof FrameError ? err.message : `bad response: ${(err as Error).message}`));
      this.socket.destroy();
    }
  }

  private onFrame(frame: Uint8Array): void {
    const correlationId = new Reader(frame).int32();
    const p = this.pending.get(correlationId);
    if (p === undefined) throw new KafkaClientError(`response for unknown correlation id ${correlationId}`);
    this.pending.delete(correlationId);
    const r = new Reader(frame);
    decodeResponseHeader(r, p.apiKey, p.apiVersion);
    p.resolve(CODECS[p.apiKey].decodeResponse(r, p.apiVersion));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
