import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REPO_ROOT, SLUICE_BIN, ensureBuilt } from './repo.js';

/** The one line a broker prints once it accepts connections. */
const LISTENING_LINE = /listening on (\S+):(\d+)/;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
/** Output kept per stream for failure messages (the first and the last chars); a chatty broker must not grow the test's memory. */
const OUTPUT_HEAD_CHARS = 16 * 1024;
const OUTPUT_TAIL_CHARS = 48 * 1024;

/** Appends to a head+tail window: the start of a story and its end are what explain a failure. */
class OutputWindow {
  private head = '';
  private tail = '';
  private dropped = 0;

  add(s: string): void {
    if (this.head.length < OUTPUT_HEAD_CHARS) {
      const room = OUTPUT_HEAD_CHARS - this.head.length;
      this.head += s.slice(0, room);
      s = s.slice(room);
    }
    this.tail += s;
    if (this.tail.length > OUTPUT_TAIL_CHARS) {
      this.dropped += this.tail.length - OUTPUT_TAIL_CHARS;
      this.tail = this.tail.slice(-OUTPUT_TAIL_CHARS);
    }
  }

  toString(): string {
    return this.dropped > 0 ? `${this.head}\n[… ${this.dropped} chars dropped …]\n${this.tail}` : this.head + this.tail;
  }
}

export interface BrokerStartOptions {
  /** Local-directory bucket. */
  data?: string;
  /** `s3://bucket/prefix`, with s3Endpoint and the AWS variables in env. */
  bucket?: string;
  s3Endpoint?: string;
  /** Extra environment on top of process.env. */
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
  host?: string;
  port?: number;
  startTimeoutMs?: number;
  /** Script and leading arguments run instead of `bin/sluice.js broker start` (e.g. fault-broker.mjs). */
  launcher?: string[];
}

const live = new Set<BrokerProcess>();

/** A real `sluice broker start` child process. */
export class BrokerProcess {
  private readonly stdoutText = new OutputWindow();
  private readonly stderrText = new OutputWindow();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    readonly options: BrokerStartOptions,
  ) {
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve({ code, signal });
      });
    });
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (s: string) => this.stdoutText.add(s));
    child.stderr?.on('data', (s: string) => this.stderrText.add(s));
  }

  host = '';
  port = 0;

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('broker process has no pid');
    return this.child.pid;
  }

  /** `host:port`, for kcat -b and kafkajs brokers. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /** What the broker wrote so far, for assertion messages. */
  output(): string {
    return `--- broker stdout ---\n${this.stdoutText.toString()}\n--- broker stderr ---\n${this.stderrText.toString()}`;
  }

  /** Spawns the CLI and resolves once it printed its listening line; throws with its output otherwise. */
  static async start(options: BrokerStartOptions): Promise<BrokerProcess> {
    ensureBuilt();
    const args = [...(options.launcher ?? [SLUICE_BIN, 'broker', 'start']), '--host', options.host ?? '127.0.0.1', '--port', String(options.port ?? 0)];
    if (options.data !== undefined) args.push('--data', options.data);
    if (options.bucket !== undefined) args.push('--bucket', options.bucket);
    if (options.s3Endpoint !== undefined) args.push('--s3-endpoint', options.s3Endpoint);
    args.push(...(options.extraArgs ?? []));
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const broker = new BrokerProcess(child, options);
    live.add(broker);
    try {
      await broker.waitListening(options.startTimeoutMs ?? START_TIMEOUT_MS);
    } catch (err) {
      await broker.kill9();
      throw err;
    }
    return broker;
  }

  private waitListening(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let buffered = '';
      const onData = (s: string): void => {
        buffered += s;
        const match = LISTENING_LINE.exec(buffered);
        if (match) {
          cleanup();
          this.host = match[1] ?? '';
          this.port = Number(match[2]);
          resolve();
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        cleanup();
        // Let the last output chunks land before reporting them.
        setImmediate(() => reject(new Error(`broker exited (${code ?? signal}) before listening\n${this.output()}`)));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`broker did not print its listening line within ${timeoutMs} ms\n${this.output()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.off('exit', onExit);
      };
      this.child.stdout?.on('data', onData);
      this.child.on('exit', onExit);
    });
  }

  /** SIGTERM, then the exit code; SIGKILL if it does not exit in time (and that is an error). */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<number | null> {
    if (!this.alive) return this.exitInfo?.code ?? null;
    this.child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    const outcome = await Promise.race([this.exited, timer]);
    if (outcome === 'timeout') {
      await this.kill9();
      throw new Error(`broker did not exit within ${timeoutMs} ms of SIGTERM\n${this.output()}`);
    }
    return outcome.code;
  }

  /** SIGKILL and wait until the process is gone. */
  async kill9(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Resident set size in KiB, from /proc (Linux). */
  rssKiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    if (!match) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(match[1]);
  }
}

/** Kills every broker this test process started and that is still running: call it in afterAll. */
export async function killAllBrokers(): Promise<void> {
  await Promise.all([...live].map((b) => b.kill9()));
}

// A test worker that dies on an assertion must not leave brokers behind.
process.once('exit', () => {
  for (const b of live) {
    if (b.child.pid !== undefined) {
      try {
        process.kill(b.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});
