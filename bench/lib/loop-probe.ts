/**
 * The baseline for event-loop figures: an empty Node process beside the broker, measuring its own
 * event-loop delay over the same window. On a shared virtual machine a loop that does nothing is
 * woken late too (a halted vCPU waits for the host): what the broker adds is its figure over this one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EVENT_LOOP_MONITORING_PRECISION_MS } from '../../broker/constants.js';

const PROBE_REPLY_TIMEOUT_MS = 10_000;

/** The probe: between 'start' and 'stop' it measures its loop at the broker's resolution, so the two compare. */
const PROBE_SOURCE = `
const { monitorEventLoopDelay } = require('node:perf_hooks');
let h = null;
process.on('message', (m) => {
  if (m === 'start') {
    h = monitorEventLoopDelay({ resolution: ${EVENT_LOOP_MONITORING_PRECISION_MS} });
    h.enable();
  } else if (m === 'stop') {
    if (h === null) return process.send({ error: 'stop without start' });
    h.disable();
    process.send({ p50Ms: h.percentile(50) / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 });
    h = null;
  }
});
process.send('ready');
`;

export interface LoopFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class LoopProbe {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<LoopProbe> {
    const child = spawn(process.execPath, ['-e', PROBE_SOURCE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const probe = new LoopProbe(child);
    try {
      await probe.reply('ready');
    } catch (err) {
      child.kill();
      throw err;
    }
    return probe;
  }

  /** Starts a window: the probe's histogram from now. */
  begin(): void {
    this.child.send('start');
  }

  /** Ends the window begun last; the probe's delay figures over it. */
  async end(): Promise<LoopFigures> {
    const reply = this.reply('figures');
    this.child.send('stop');
    const m = (await reply) as LoopFigures | { error: string };
    if ('error' in m) throw new Error(`event-loop probe: ${m.error}`);
    return m;
  }

  /** Ends the probe process; resolves once it has exited. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill();
    await exited;
  }

  private reply(what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: unknown): void => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error(`event-loop probe: no ${what} within ${PROBE_REPLY_TIMEOUT_MS} ms`));
      }, PROBE_REPLY_TIMEOUT_MS);
      this.child.once('message', onMessage);
    });
  }
}
