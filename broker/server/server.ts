/**
 * The Kafka TCP listener: accepts connections up to a bound and shuts down in order
 * (stop accepting, answer what was read, then close).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  CONNECTION_IN_FLIGHT_MAX_COUNT,
  CONNECTIONS_MAX_COUNT,
  REQUEST_HEADER_MIN_BYTES,
  REQUEST_MAX_BYTES,
  SHUTDOWN_DRAIN_TIMEOUT_MS,
  SHUTDOWN_SOCKET_LINGER_MS,
} from '../constants.js';
import { Connection } from './connection.js';
import type { HandlerTable } from './handler.js';

export interface KafkaServerOptions {
  host: string;
  port: number;
  handlers: HandlerTable;
  logger: Logger;
  maxConnections?: number;
  maxInFlightPerConnection?: number;
  maxFrameBytes?: number;
  onRequest?: (apiKey: number, answered: boolean) => void;
  onConnectionCountChange?: (count: number) => void;
  /**
   * Takes connections that open with an HTTP request line (the admin API on the Kafka port). A
   * Kafka frame can never start so: those four bytes, read as its size, are past REQUEST_MAX_BYTES.
   */
  onHttpConnection?: (socket: Socket) => void;
}

/** How an HTTP request line starts (the methods the admin API answers, and HEAD/OPTIONS for tools). */
const HTTP_METHOD_PREFIXES = ['GET ', 'PUT ', 'POST', 'DELE', 'HEAD', 'OPTI', 'PATC'];
/** Bytes read before deciding: a Kafka size prefix or an HTTP method. */
const SNIFF_BYTES = 4;

export class KafkaServer {
  private readonly options: KafkaServerOptions;
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly httpSockets = new Set<Socket>();
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | null = null;

  constructor(options: KafkaServerOptions) {
    this.options = options;
    this.server = createServer((socket) => this.accept(socket));
    // Node refuses connections past this bound before they cost us anything.
    this.server.maxConnections = options.maxConnections ?? CONNECTIONS_MAX_COUNT;
  }

  /** Aborted when shutdown starts; handlers pass it to long polls. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Resolves with the bound address once the port accepts connections. */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.options.host, port: this.options.port, exclusive: true }, () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        if (addr === null || typeof addr === 'string') {
          reject(new Error('server address unavailable after listen'));
          return;
        }
        resolve({ host: this.options.host, port: addr.port });
      });
    });
  }

  private accept(socket: Socket): void {
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    const onHttp = this.options.onHttpConnection;
    if (onHttp === undefined) {
      this.acceptKafka(socket);
      return;
    }
    // Read the first bytes, put them back, and hand the socket to the protocol they start.
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (head.length < SNIFF_BYTES) return;
      socket.off('data', onData);
      socket.pause();
      socket.unshift(head);
      if (this.closing !== null) {
        socket.destroy();
        return;
      }
      if (HTTP_METHOD_PREFIXES.includes(head.subarray(0, SNIFF_BYTES).toString('latin1'))) {
        this.httpSockets.add(socket);
        socket.on('close', () => this.httpSockets.delete(socket));
        onHttp(socket);
      } else {
        this.acceptKafka(socket);
      }
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  }

  private acceptKafka(socket: Socket): void {
    const conn = new Connection(socket, {
      handlers: this.options.handlers,
      logger: this.options.logger,
      signal: this.shutdown.signal,
      minFrameBytes: REQUEST_HEADER_MIN_BYTES,
      maxFrameBytes: this.options.maxFrameBytes ?? REQUEST_MAX_BYTES,
      maxInFlight: this.options.maxInFlightPerConnection ?? CONNECTION_IN_FLIGHT_MAX_COUNT,
      onRequest: this.options.onRequest,
    });
    this.connections.add(conn);
    this.options.onConnectionCountChange?.(this.connections.size);
    socket.on('close', () => {
      this.connections.delete(conn);
      this.options.onConnectionCountChange?.(this.connections.size);
    });
  }

  /**
   * Stops accepting, lets every connection answer the requests it already read (long polls are
   * cut short through `signal`), then closes the sockets. Idempotent.
   */
  close(drainTimeoutMs = SHUTDOWN_DRAIN_TIMEOUT_MS): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.shutdown.abort();
      const drained = Promise.all([...this.connections].map((c) => c.drain()));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainTimeoutMs);
        timer.unref();
      });
      await Promise.race([drained, timeout]);
      clearTimeout(timer);
      for (const c of this.connections) c.end();
      // end() sends what is queued, then FIN; a client that never closes its side is cut off.
      const deadline = Date.now() + SHUTDOWN_SOCKET_LINGER_MS;
      while (this.connections.size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      for (const c of this.connections) c.close();
      for (const s of this.httpSockets) s.destroy();
      await stopped;
    })();
    return this.closing;
  }
}
