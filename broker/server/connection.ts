/**
 * One client connection: frames in, requests dispatched concurrently, responses out strictly in
 * request order (Kafka clients pipeline and match answers by position as much as by id).
 * Anything malformed closes this connection only, with one log line.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ApiKey, apiName, isSupportedVersion } from '../protocol/api-keys.js';
import { codecFor, sizePrefixedFrame } from '../protocol/apis/index.js';
import { encodeApiVersionsUnsupportedResponse } from '../protocol/apis/api-versions.js';
import { ErrorCode } from '../protocol/error-codes.js';
import {
  decodeRequestHeaderPrefix,
  decodeRequestHeaderRest,
  encodeResponseHeader,
} from '../protocol/header.js';
import { Reader } from '../protocol/reader.js';
import { SplicingWriter } from '../protocol/splicing-writer.js';
import type { Writer } from '../protocol/writer.js';
import { RESPONSE_PIECE_MAX_BYTES, RESPONSE_SPLICE_MIN_BYTES, RESPONSE_WRITE_TURN_MAX_BYTES } from '../constants.js';
import { FrameDecoder, FrameError } from './frame-decoder.js';
import type { HandlerTable, RequestContext } from './handler.js';

export interface ConnectionOptions {
  handlers: HandlerTable;
  logger: Logger;
  signal: AbortSignal;
  minFrameBytes: number;
  maxFrameBytes: number;
  maxInFlight: number;
  /** Observes each handled request; `answered` is false for those that get no response (acks=0). */
  onRequest?: (apiKey: number, answered: boolean) => void;
}

/** A response frame (int32 size, then what `write` writes) as pieces to write in order; record batches stay by reference. */
function responsePieces(write: (w: Writer) => void): Uint8Array[] {
  const w = new SplicingWriter(RESPONSE_SPLICE_MIN_BYTES, RESPONSE_PIECE_MAX_BYTES);
  w.int32(0);
  write(w);
  w.setInt32At(0, w.length - 4);
  return w.pieces();
}

/** A request in the answer queue; `frame` is null for requests that get no answer. */
interface Slot {
  done: boolean;
  frame: readonly Uint8Array[] | null;
}

export class Connection {
  private readonly socket: Socket;
  private readonly options: ConnectionOptions;
  private readonly decoder: FrameDecoder;
  private readonly queue: Slot[] = [];
  private readonly logger: Logger;
  private readonly clientHost: string;
  private closed = false;
  /** Shutdown: no new requests are read, the queued ones are still answered. */
  private draining = false;
  private writeBlocked = false;
  /** Answer bytes not yet handed to the socket, in order (see writeOutbox). */
  private readonly outbox: Uint8Array[] = [];
  private writeScheduled = false;
  /** Bytes handed to the socket in this event-loop turn (reset by an immediate). */
  private turnWritten = 0;
  private turnResetScheduled = false;
  private pumping = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.options = options;
    this.decoder = new FrameDecoder(options.minFrameBytes, options.maxFrameBytes);
    this.clientHost = socket.remoteAddress ?? 'unknown';
    this.logger = options.logger.child({ remote: `${this.clientHost}:${socket.remotePort ?? 0}` });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.closed || this.draining) return;
      try {
        this.decoder.push(chunk);
        this.pump();
      } catch (err) {
        // A bug reached by one client's bytes must cost that client its connection, not the broker.
        this.logger.error({ err }, 'unexpected error while reading requests');
        this.close('internal error');
      }
    });
    socket.on('drain', () => {
      // Emitted from the write's callback, in the same turn: the next share waits for the next turn.
      if (this.outbox.length > 0) this.scheduleWrite();
      else {
        this.writeBlocked = false;
        this.pump();
      }
    });
    socket.on('error', (err) => {
      this.logger.debug({ err: err.message }, 'connection error');
    });
    socket.on('close', () => this.onClosed());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Requests read but not yet answered. */
  get inFlight(): number {
    return this.queue.length;
  }

  /** Stops reading new requests; resolves once every queued request has been answered. */
  drain(): Promise<void> {
    this.draining = true;
    this.socket.pause();
    if (this.idle || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(reason?: string): void {
    if (this.closed) return;
    if (reason !== undefined) this.logger.warn({ reason }, 'closing connection');
    this.socket.destroy();
    this.onClosed();
  }

  /** Gracefully ends the socket after what was written has been sent. */
  end(): void {
    if (this.closed) return;
    this.socket.end();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.outbox.length = 0;
    this.notifyIdle();
  }

  /** Every request answered and every answer handed to the socket. */
  private get idle(): boolean {
    return this.queue.length === 0 && this.outbox.length === 0;
  }

  private notifyIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Reads frames while the answer queue has room; pauses the socket when it is full. */
  private pump(): void {
    // flush() calls back into pump(); one loop at a time keeps the stack flat under a flood.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpLoop();
    } finally {
      this.pumping = false;
    }
  }

  private pumpLoop(): void {
    while (!this.closed && !this.draining && !this.writeBlocked && this.queue.length < this.options.maxInFlight) {
      let frame: Uint8Array | null;
      try {
        frame = this.decoder.next();
      } catch (err) {
        this.close(err instanceof FrameError ? err.message : String(err));
        return;
      }
      if (frame === null) break;
      this.handleFrame(frame);
    }
    this.writeAnswered();
    if (this.closed || this.draining) return;
    const full = this.writeBlocked || this.queue.length >= this.options.maxInFlight;
    if (full) this.socket.pause();
    else this.socket.resume();
  }

  private handleFrame(frame: Uint8Array): void {
    const r = new Reader(frame);
    let prefix: ReturnType<typeof decodeRequestHeaderPrefix>;
    try {
      prefix = decodeRequestHeaderPrefix(r);
    } catch (err) {
      this.close(`malformed request header: ${(err as Error).message}`);
      return;
    }
    const { apiKey, apiVersion, correlationId } = prefix;
    const codec = codecFor(apiKey);
    const handler = (this.options.handlers as Record<number, HandlerTable[keyof HandlerTable]>)[apiKey];
    if (codec === undefined || handler === undefined || !isSupportedVersion(apiKey, apiVersion)) {
      if (apiKey === ApiKey.ApiVersions) {
        // Clients probe with their newest ApiVersions; error 35 in a v0 body makes them retry lower.
        const frame = sizePrefixedFrame((w) => {
          encodeResponseHeader(w, ApiKey.ApiVersions, 0, correlationId);
          encodeApiVersionsUnsupportedResponse(w, ErrorCode.UNSUPPORTED_VERSION);
        }, 16);
        this.queue.push({ done: true, frame: [frame] });
        this.flush();
        return;
      }
      this.close(`unsupported request ${apiName(apiKey)} v${apiVersion}`);
      return;
    }

    let request: unknown;
    let ctx: RequestContext;
    try {
      const header = decodeRequestHeaderRest(r, prefix);
      request = codec.decodeRequest(r, apiVersion);
      ctx = {
        apiKey,
        apiVersion,
        correlationId,
        clientId: header.clientId,
        clientHost: this.clientHost,
        signal: this.options.signal,
      };
    } catch (err) {
      this.close(`malformed ${apiName(apiKey)} v${apiVersion} request: ${(err as Error).message}`);
      return;
    }

    const slot: Slot = { done: false, frame: null };
    this.queue.push(slot);
    const call = handler as (req: unknown, ctx: RequestContext) => Promise<unknown> | unknown;
    Promise.resolve()
      .then(() => call(request, ctx))
      .then(
        (response) => {
          if (this.closed) return;
          if (response !== null) {
            slot.frame = responsePieces((w) => {
              encodeResponseHeader(w, apiKey, apiVersion, correlationId);
              codec.encodeResponse(w, apiVersion, response);
            });
          }
          slot.done = true;
          this.options.onRequest?.(apiKey, response !== null);
          this.flush();
        },
        (err: unknown) => {
          // A handler maps every expected failure to an error code; reaching here is a bug or a
          // broken invariant, and the client cannot be told which partition failed.
          this.logger.error({ err, api: apiName(apiKey), version: apiVersion }, 'request handler failed');
          this.close(`${apiName(apiKey)} handler failed`);
        },
      );
  }

  /** Writes every answered request at the head of the queue, then reads on if there is room. */
  private flush(): void {
    this.writeAnswered();
    this.pump();
  }

  /** Writes every answered request at the head of the queue, in arrival order. */
  private writeAnswered(): void {
    while (!this.closed && this.queue.length > 0 && this.queue[0]!.done) {
      const slot = this.queue.shift()!;
      if (slot.frame !== null) this.outbox.push(...slot.frame);
    }
    this.writeOutbox();
  }

  /**
   * Hands the socket at most RESPONSE_WRITE_TURN_MAX_BYTES of answers per event-loop turn, corked
   * into one writev: the kernel copies what it takes synchronously, so a 16 MiB fetch answer
   * written at once would hold the loop every connection shares for as long as that copy takes.
   * The rest follows on a later turn, or after 'drain' once the socket's own buffer is full.
   */
  private writeOutbox(): void {
    if (this.closed) return;
    let budget = RESPONSE_WRITE_TURN_MAX_BYTES - this.turnWritten;
    if (this.outbox.length > 0 && budget > 0 && this.socket.writableLength < RESPONSE_WRITE_TURN_MAX_BYTES) {
      this.countTurn();
      this.socket.cork();
      while (this.outbox.length > 0 && budget > 0) {
        let piece = this.outbox[0]!;
        if (piece.byteLength > budget) {
          this.outbox[0] = piece.subarray(budget);
          piece = piece.subarray(0, budget);
        } else this.outbox.shift();
        budget -= piece.byteLength;
        this.turnWritten += piece.byteLength;
        this.socket.write(piece);
      }
      this.socket.uncork();
    }
    if (this.outbox.length > 0) {
      // No new requests are read while answers wait (backpressure, as when the socket is full).
      this.writeBlocked = true;
      if (this.socket.writableLength < RESPONSE_WRITE_TURN_MAX_BYTES) this.scheduleWrite();
      // else 'drain' schedules the next share: the socket still holds more than one.
    } else {
      // All handed over: reading waits only for a socket past its high-water mark ('drain').
      this.writeBlocked = this.socket.writableNeedDrain;
    }
    if (this.idle) this.notifyIdle();
  }

  /** Starts counting this turn's bytes; the count goes back to 0 on the next turn. */
  private countTurn(): void {
    if (this.turnResetScheduled) return;
    this.turnResetScheduled = true;
    setImmediate(() => {
      this.turnResetScheduled = false;
      this.turnWritten = 0;
    });
  }

  private scheduleWrite(): void {
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      this.writeOutbox();
      if (!this.writeBlocked) this.pump();
    });
  }
}
