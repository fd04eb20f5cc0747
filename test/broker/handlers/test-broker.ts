/** An in-process broker on port 0 over a temp directory, for handler, server and group tests. */
import pino from 'pino';
import { startBroker, type RunningBroker } from '../../../broker/broker.js';
import { parseBrokerConfig } from '../../../broker/config.js';
import { KafkaClient } from '../../../cli/kafka-client/kafka-client.js';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.js';

export interface TestBroker {
  broker: RunningBroker;
  dir: string;
  address: string;
  client(): Promise<KafkaClient>;
  /** Closes the broker (keeping the data) and starts a new one on the same directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestBroker(config: Record<string, unknown> = {}): Promise<TestBroker> {
  const dir = makeTempDir('handlers');
  const make = () =>
    startBroker(parseBrokerConfig({ port: 0, data: dir, logLevel: 'silent', flushIntervalMs: 2, ...config }), {
      logger: pino({ level: 'silent' }),
    });
  const clients: KafkaClient[] = [];
  const t: TestBroker = {
    broker: await make(),
    dir,
    get address() {
      return `127.0.0.1:${t.broker.port}`;
    },
    async client() {
      const c = await KafkaClient.connect(t.address);
      clients.push(c);
      return c;
    },
    async restart() {
      await t.broker.close();
      t.broker = await make();
    },
    async stop() {
      for (const c of clients) c.close();
      await t.broker.close();
      removeTempDir(dir);
    },
  };
  return t;
}
