import net from 'node:net';

/** A bare TCP connection that speaks Kafka framing: for wire tests that must send bytes no client would. */
export class RawConnection {
  private buffered = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private closedFlag = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closedFlag = true;
      this.waiter?.();
    });
    socket.on('error', () => {
      // ECONNRESET and EPIPE are expected when the broker drops a bad connection; 'close' follows.
    });
  }

  static connect(host: string, port: number, timeoutMs = 3_000): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new RawConnection(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  write(bytes: Buffer): void {
    if (!this.closedFlag) this.socket.write(bytes);
  }

  /** Half-closes: the broker sees EOF after everything written. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves true once the broker closed the connection, false after timeoutMs. */
  waitClosed(timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => this.closedFlag, timeoutMs);
  }

  /** The next whole response frame (without its length prefix), or undefined on close or timeout. */
  async readFrame(timeoutMs = 3_000): Promise<Buffer | undefined> {
    const ready = (): boolean => this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0);
    await this.waitFor(() => ready() || this.closedFlag, timeoutMs);
    if (!ready()) return undefined;
    const size = this.buffered.readInt32BE(0);
    const frame = this.buffered.subarray(4, 4 + size);
    this.buffered = this.buffered.subarray(4 + size);
    return frame;
  }

  private waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(false);
      }, timeoutMs);
      this.waiter = () => {
        if (condition()) {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(true);
        }
      };
    });
  }
}

/** An ApiVersions v0 request frame (no body): the smallest request every Kafka broker must answer. */
export function apiVersionsV0Frame(correlationId: number, clientId = 'raw'): Buffer {
  const id = Buffer.from(clientId);
  const frame = Buffer.alloc(4 + 2 + 2 + 4 + 2 + id.length);
  frame.writeInt32BE(frame.length - 4, 0);
  frame.writeInt16BE(18, 4);
  frame.writeInt16BE(0, 6);
  frame.writeInt32BE(correlationId, 8);
  frame.writeInt16BE(id.length, 12);
  id.copy(frame, 14);
  return frame;
}

/** ApiVersions v3 (flexible: header v2 with tagged fields, compact strings in the body), as librdkafka sends it first. */
export function apiVersionsV3Frame(correlationId: number, clientId = 'raw'): Buffer {
  const id = Buffer.from(clientId);
  const name = Buffer.from('sluice-test');
  const version = Buffer.from('1.0');
  const parts = [
    Buffer.from([0, 18, 0, 3]),
    Buffer.alloc(4),
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
    Buffer.from([0]), // header tagged fields
    Buffer.from([name.length + 1]),
    name,
    Buffer.from([version.length + 1]),
    version,
    Buffer.from([0]), // body tagged fields
  ];
  parts[1]!.writeInt32BE(correlationId, 0);
  const body = Buffer.concat(parts);
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length, 0);
  return Buffer.concat([prefix, body]);
}
