import { requireTool, runChecked } from './tools.js';
import type { WireRecord } from './wire-record.js';

/**
 * kcat has no lossless text output for binary data, so the consumer prints a header line with the key and
 * value lengths and then the raw bytes: `%p %o %T %K %S %h\n` + key + value + `\n`. Headers (%h, `n=v` CSV)
 * are lossless only for printable values without `,`, `=` or newlines; tests keep kcat-read headers that way.
 */
const CONSUME_FORMAT = '%p %o %T %K %S %h\\n%k%s\\n';

export type KcatCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Parses CONSUME_FORMAT output. Throws on anything that does not fit the format exactly. */
export function parseKcatOutput(out: Buffer): WireRecord[] {
  const records: WireRecord[] = [];
  let pos = 0;
  while (pos < out.length) {
    const eol = out.indexOf(0x0a, pos);
    if (eol < 0) throw new Error(`kcat output: unterminated header line at byte ${pos}`);
    const line = out.subarray(pos, eol).toString('latin1');
    const fields = line.split(' ');
    if (fields.length < 6) throw new Error(`kcat output: bad header line ${JSON.stringify(line)}`);
    const [p, o, t, k, s] = fields;
    const headerText = fields.slice(5).join(' ');
    const keyLen = Number(k);
    const valueLen = Number(s);
    pos = eol + 1;
    const key = keyLen < 0 ? null : Buffer.from(out.subarray(pos, pos + keyLen));
    pos += Math.max(0, keyLen);
    const value = valueLen < 0 ? null : Buffer.from(out.subarray(pos, pos + valueLen));
    pos += Math.max(0, valueLen);
    if (out[pos] !== 0x0a) throw new Error(`kcat output: record p${p}@${o} not followed by a newline`);
    pos += 1;
    const headers: Array<[string, Buffer]> = [];
    if (headerText !== '') {
      for (const pair of headerText.split(',')) {
        const eq = pair.indexOf('=');
        if (eq < 0) throw new Error(`kcat output: bad header ${JSON.stringify(pair)}`);
        headers.push([pair.slice(0, eq), Buffer.from(pair.slice(eq + 1), 'latin1')]);
      }
    }
    records.push({ partition: Number(p), offset: BigInt(o as string), timestamp: BigInt(t as string), key, value, headers });
  }
  return records;
}

export interface KcatConsumeOptions {
  /** Only this partition (default: all). */
  partition?: number;
  timeoutMs?: number;
  extraArgs?: string[];
}

/** `kcat -C -o beginning -e` over the whole topic with CRC checks on; every record, lossless. */
export async function kcatConsumeAll(address: string, topic: string, options: KcatConsumeOptions = {}): Promise<WireRecord[]> {
  const kcat = requireTool('kcat');
  const args = ['-C', '-b', address, '-t', topic, '-o', 'beginning', '-e', '-q', '-m', '10'];
  if (options.partition !== undefined) args.push('-p', String(options.partition));
  args.push('-X', 'check.crcs=true', '-X', 'fetch.message.max.bytes=8388608', '-f', CONSUME_FORMAT);
  args.push(...(options.extraArgs ?? []));
  const { stdout } = await runChecked(kcat, args, { timeoutMs: options.timeoutMs ?? 120_000 });
  return parseKcatOutput(stdout);
}

export interface KcatProduceOptions {
  partition: number;
  codec: KcatCodec;
  /** Applied to every message of this invocation (`-H name=value`). */
  headers?: Array<[string, string]>;
  timeoutMs?: number;
}

/**
 * Produces `key\tvalue` lines with `kcat -P -K '\t'` (text only: no tab or newline inside keys or values).
 * kcat exits non-zero when a message is not delivered.
 */
export async function kcatProduce(
  address: string,
  topic: string,
  messages: ReadonlyArray<{ key: string; value: string }>,
  options: KcatProduceOptions,
): Promise<void> {
  const kcat = requireTool('kcat');
  for (const m of messages) {
    if (/[\t\n]/.test(m.key) || /[\n]/.test(m.value)) throw new Error('kcat text messages cannot hold tabs or newlines');
  }
  const input = messages.map((m) => `${m.key}\t${m.value}\n`).join('');
  const args = ['-P', '-b', address, '-t', topic, '-p', String(options.partition), '-K', '\\t', '-q', '-m', '10'];
  if (options.codec !== 'none') args.push('-z', options.codec);
  for (const [name, value] of options.headers ?? []) args.push('-H', `${name}=${value}`);
  // Large batches keep the run short; acks=all so "delivered" means durable.
  args.push('-X', 'acks=all', '-X', 'linger.ms=20', '-X', 'batch.num.messages=5000', '-X', 'message.timeout.ms=60000');
  await runChecked(kcat, args, { input, timeoutMs: options.timeoutMs ?? 120_000 });
}
