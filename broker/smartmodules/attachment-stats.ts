/**
 * What an attachment has done since it was attached: records in and out, failures by kind with
 * the last one's place, and call latencies. Status reads these; the Prometheus metrics get the
 * same events.
 */
import { ATTACHMENT_LATENCY_SAMPLES_COUNT } from '../constants.js';
import type { AttachmentInfo } from '../log/index.js';
import type { BrokerMetrics } from '../metrics.js';

export interface AttachmentFailure {
  kind: string;
  message: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  atMs: number;
}

export interface AttachmentStatsSnapshot {
  calls: number;
  recordsIn: number;
  recordsOut: number;
  recordsSkipped: number;
  errors: Record<string, number>;
  lastError: AttachmentFailure | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

export class AttachmentStats {
  #calls = 0;
  #recordsIn = 0;
  #recordsOut = 0;
  #recordsSkipped = 0;
  #errors = new Map<string, number>();
  #lastError: AttachmentFailure | null = null;
  /** A ring of the latest call latencies, in ms. */
  #latencies = new Float64Array(ATTACHMENT_LATENCY_SAMPLES_COUNT);
  #latencyCount = 0;
  readonly #labels: { attachment: string; kind: string };

  constructor(info: AttachmentInfo, private readonly metrics: BrokerMetrics | undefined) {
    this.#labels = { attachment: info.name, kind: info.kind };
  }

  call(recordsIn: number, recordsOut: number, ms: number): void {
    this.#calls++;
    this.#recordsIn += recordsIn;
    this.#recordsOut += recordsOut;
    this.#latencies[this.#latencyCount++ % this.#latencies.length] = ms;
    this.metrics?.attachmentRecordsIn.inc(this.#labels, recordsIn);
    this.metrics?.attachmentRecordsOut.inc(this.#labels, recordsOut);
    this.metrics?.attachmentBatchLatency.observe(this.#labels, ms / 1000);
  }

  /** A failed call or record; `skipped` records were left out of the output because of it. */
  failure(f: AttachmentFailure, skipped: number): void {
    this.#errors.set(f.kind, (this.#errors.get(f.kind) ?? 0) + 1);
    this.#recordsSkipped += skipped;
    this.#lastError = f;
    this.metrics?.attachmentErrors.inc({ ...this.#labels, error: f.kind });
  }

  snapshot(): AttachmentStatsSnapshot {
    const n = Math.min(this.#latencyCount, this.#latencies.length);
    const sorted = this.#latencies.slice(0, n).sort();
    const q = (p: number): number | null => (n === 0 ? null : sorted[Math.min(n - 1, Math.ceil(p * n) - 1)]!);
    return {
      calls: this.#calls,
      recordsIn: this.#recordsIn,
      recordsOut: this.#recordsOut,
      recordsSkipped: this.#recordsSkipped,
      errors: Object.fromEntries(this.#errors),
      lastError: this.#lastError,
      latencyP50Ms: q(0.5),
      latencyP99Ms: q(0.99),
    };
  }
}
