/**
 * 10,000 random and mutated request frames over many connections to a
 * real broker. It must keep running, keep answering ApiVersions and Metadata, keep its RSS bounded, and keep
 * every record acknowledged before the fuzzing where it was.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProcess, killAllBrokers } from '../helpers/broker-process.js';
import { kafkaClient } from '../helpers/kafkajs.js';
import { kafkajsFrames, type FrameSpec } from '../helpers/kafkajs-frames.js';
import { kcatConsumeAll } from '../helpers/kcat.js';
import { apiVersionsV0Frame, apiVersionsV3Frame, RawConnection } from '../helpers/raw-connection.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { SeededRandom, testSeed } from '../helpers/seeded-random.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { requireTool } from '../helpers/tools.js';

const FRAMES = 10_000;
const CONCURRENT_CONNECTIONS = 6;
const FUZZ_BUDGET_MS = 45_000;
/** The broker's request-size bound (broker/constants.ts REQUEST_MAX_BYTES); frames claim sizes around it. */
const REQUEST_MAX_BYTES = 100 * 1024 * 1024;
const RSS_GROWTH_AFTER_MAX_KIB = 100 * 1024;
const RSS_GROWTH_PEAK_MAX_KIB = 256 * 1024;
const TOPIC = 'fuzz-data';
const ACKED_RECORDS = 200;

/** Request frames captured from kafkajs, kcat and kafka-python (`test/fixtures/protocol/<run>/<api>-v<n>.bin`). */
function capturedFrames(): FrameSpec[] {
  const root = path.join(REPO_ROOT, 'test', 'fixtures', 'protocol');
  const out: FrameSpec[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith('.bin') && !/response/i.test(file)) {
        const bytes = readFileSync(file);
        if (bytes.length < 8 || bytes.length > 1 << 20) continue;
        // Either a whole frame or a frame without its length prefix.
        const framed = bytes.readInt32BE(0) === bytes.length - 4 ? bytes : Buffer.concat([int32(bytes.length), bytes]);
        out.push({ name: path.relative(root, file), frame: framed });
      }
    }
  };
  walk(root);
  return out;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0, 0);
  return b;
}

function withPrefix(body: Buffer): Buffer {
  return Buffer.concat([int32(body.length), body]);
}

const INTERESTING_INT32 = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 0x10000, REQUEST_MAX_BYTES, REQUEST_MAX_BYTES + 1];
const INTERESTING_INT16 = [0, 1, -1, 0x7fff, -0x8000, 0xff];

/** One fuzzed frame from a seed frame; every choice drawn from `rnd`. */
function mutate(rnd: SeededRandom, seeds: readonly FrameSpec[]): Buffer {
  const seed = rnd.pick(seeds).frame;
  const body = Buffer.from(seed.subarray(4));
  switch (rnd.int(0, 10)) {
    case 0: {
      for (let i = rnd.int(1, 8); i > 0; i--) {
        const at = rnd.int(0, body.length - 1);
        body[at] = body[at]! ^ (1 << rnd.int(0, 7));
      }
      return withPrefix(body);
    }
    case 1: {
      const at = rnd.int(0, body.length - 1);
      rnd.bytes(Math.min(rnd.int(1, 16), body.length - at)).copy(body, at);
      return withPrefix(body);
    }
    case 2:
      return withPrefix(body.subarray(0, rnd.int(0, body.length - 1)));
    case 3:
      // Claims the whole length but stops early: the broker waits for bytes that end in EOF.
      return Buffer.concat([int32(body.length), body.subarray(0, rnd.int(0, body.length - 1))]);
    case 4: {
      const claimed = rnd.bool(0.7) ? rnd.pick(INTERESTING_INT32) : rnd.int(0, 64 * 1024 * 1024);
      return Buffer.concat([int32(claimed), body.subarray(0, rnd.int(0, body.length))]);
    }
    case 5: {
      const at = rnd.int(0, body.length);
      return withPrefix(Buffer.concat([body.subarray(0, at), rnd.bytes(rnd.int(1, 64)), body.subarray(at)]));
    }
    case 6: {
      // Header: unknown api keys and versions, including negative ones.
      if (rnd.bool()) body.writeInt16BE(rnd.bool(0.8) ? rnd.int(0, 80) : rnd.pick(INTERESTING_INT16), 0);
      else body.writeInt16BE(rnd.bool(0.8) ? rnd.int(-1, 40) : rnd.pick(INTERESTING_INT16), 2);
      return withPrefix(body);
    }
    case 7: {
      // Array counts and string lengths live in int16/int32 fields: make one absurd.
      if (body.length >= 8) {
        const at = rnd.int(4, body.length - 4);
        if (rnd.bool()) body.writeInt32BE(rnd.pick(INTERESTING_INT32) | 0, at);
        else body.writeInt16BE(rnd.pick(INTERESTING_INT16), at);
      }
      return withPrefix(body);
    }
    case 8: {
      // One API's header with another API's body.
      const other = Buffer.from(rnd.pick(seeds).frame.subarray(4));
      const cut = rnd.int(8, Math.min(body.length, 24));
      return withPrefix(Buffer.concat([body.subarray(0, cut), other.subarray(Math.min(cut, other.length))]));
    }
    case 9: {
      // Random bytes behind a plausible header.
      const header = Buffer.alloc(8);
      header.writeInt16BE(rnd.int(0, 70), 0);
      header.writeInt16BE(rnd.int(0, 12), 2);
      header.writeInt32BE(rnd.int(0, 1 << 30), 4);
      return withPrefix(Buffer.concat([header, rnd.bytes(rnd.int(0, 600))]));
    }
    default:
      return withPrefix(rnd.bytes(rnd.int(0, 300)));
  }
}

describe('wire fuzzing against a real broker', () => {
  let dir: string | undefined;
  let broker: BrokerProcess | undefined;

  beforeAll(async () => {
    requireTool('kcat');
    dir = makeTempDir('e2e-fuzz');
    broker = await BrokerProcess.start({ data: dir });
  });

  afterAll(async () => {
    await killAllBrokers();
    removeTempDir(dir);
  });

  it(`survives ${FRAMES.toLocaleString('en')} random and mutated frames: still answers, RSS bounded, acknowledged data intact`, async () => {
    const seed = testSeed();
    console.log(`wire fuzz seed=${seed} (SLUICE_TEST_SEED=${seed} reproduces the frames)`);
    const b = broker!;
    const fail = (message: string): never => {
      throw new Error(`${message}\nseed=${seed}\n${b.output()}`);
    };

    // Data acknowledged before the fuzzing.
    const kafka = kafkaClient(b.address, 'e2e-fuzz');
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] })).toBe(true);
    const producer = kafka.producer();
    await producer.connect();
    const acked = new Map<string, string>();
    for (let i = 0; i < ACKED_RECORDS; i += 20) {
      const partition = (i / 20) % 2;
      const values = Array.from({ length: 20 }, (_, j) => `acked-${i + j}`);
      const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ value, partition })) });
      values.forEach((v, j) => acked.set(`${partition}:${BigInt(meta!.baseOffset!) + BigInt(j)}`, v));
    }
    await producer.disconnect();

    const captured = capturedFrames();
    expect(captured.length, 'captured client frames in test/fixtures/protocol').toBeGreaterThan(0);
    const seeds = [
      ...(await kafkajsFrames(TOPIC, 'fuzz-other')),
      { name: 'apiVersions v3 (flexible)', frame: apiVersionsV3Frame(7, 'fuzz') },
      ...captured,
    ];
    const rnd = new SeededRandom(seed);
    // The whole plan (frames and how they are grouped into connections) comes from the seed.
    const plan: Buffer[][] = [];
    for (let sent = 0; sent < FRAMES; ) {
      const group: Buffer[] = [];
      // Sometimes a valid request first, so garbage arrives while a real request is in flight.
      if (rnd.bool(0.3)) group.push(rnd.pick(seeds).frame);
      for (let k = rnd.int(1, 4); k > 0 && sent < FRAMES; k--, sent++) group.push(mutate(rnd, seeds));
      plan.push(group);
    }

    const rssBeforeKiB = b.rssKiB();
    let peakKiB = rssBeforeKiB;
    const sampler = setInterval(() => {
      if (b.alive) peakKiB = Math.max(peakKiB, b.rssKiB());
    }, 100);

    let next = 0;
    let framesSent = 0;
    let connections = 0;
    let lingering = 0;
    const started = Date.now();
    const worker = async (): Promise<void> => {
      while (next < plan.length && b.alive) {
        if (Date.now() - started > FUZZ_BUDGET_MS) fail(`fuzzing took longer than ${FUZZ_BUDGET_MS} ms (${framesSent} frames sent)`);
        const group = plan[next++]!;
        const conn = await RawConnection.connect(b.host, b.port).catch((err: Error) =>
          fail(`connect failed after ${framesSent} frames: ${err.message}`),
        );
        connections++;
        for (const frame of group) conn.write(frame);
        framesSent += group.length;
        conn.end();
        if (!(await conn.waitClosed(1_500))) {
          lingering++;
          conn.destroy();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENT_CONNECTIONS }, worker));
    } finally {
      clearInterval(sampler);
    }
    const fuzzMs = Date.now() - started;
    if (!b.alive) fail(`broker died during fuzzing (exit ${JSON.stringify(b.exit)}) after ${framesSent} frames`);
    expect(next).toBe(plan.length);
    expect(framesSent).toBeGreaterThanOrEqual(FRAMES);

    // Still answers the basics on a fresh connection, old (v0) and flexible (v3) ApiVersions alike.
    for (const [frame, id] of [
      [apiVersionsV0Frame(4242), 4242],
      [apiVersionsV3Frame(4343), 4343],
    ] as const) {
      const conn = await RawConnection.connect(b.host, b.port);
      conn.write(frame);
      const response = await conn.readFrame(3_000);
      conn.destroy();
      if (!response) fail(`no ApiVersions answer (correlation ${id}) after fuzzing`);
      expect(response!.readInt32BE(0), 'correlation id').toBe(id);
      expect(response!.readInt16BE(4), 'ApiVersions error code').toBe(0);
    }
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    expect(metadata.topics[0]!.partitions.length).toBe(2);
    await admin.disconnect();

    // Everything acknowledged before is where it was.
    const records = await kcatConsumeAll(b.address, TOPIC);
    const found = new Map(records.map((r) => [`${r.partition}:${r.offset}`, r.value?.toString() ?? null]));
    const lost = [...acked].filter(([where, value]) => found.get(where) !== value);
    expect(lost, 'acknowledged records changed or lost by fuzzing').toEqual([]);

    const rssAfterKiB = b.rssKiB();
    console.log(
      `wire fuzz: ${FRAMES} frames from ${seeds.length} seeds (${captured.length} captured) over ${connections} connections in ${fuzzMs} ms (${lingering} left open by the broker); ` +
        `RSS before ${rssBeforeKiB} KiB, peak ${peakKiB} KiB, after ${rssAfterKiB} KiB`,
    );
    expect(peakKiB - rssBeforeKiB, 'peak RSS growth (KiB) while fuzzing').toBeLessThan(RSS_GROWTH_PEAK_MAX_KIB);
    expect(rssAfterKiB - rssBeforeKiB, 'RSS growth (KiB) after fuzzing').toBeLessThan(RSS_GROWTH_AFTER_MAX_KIB);
    expect(await b.stop(), 'clean SIGTERM after fuzzing').toBe(0);
  }, 90_000);
});
