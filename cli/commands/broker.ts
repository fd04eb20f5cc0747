import type { Command } from 'commander';
import type { RunningBroker } from '../../broker/broker.js';
import { CliError } from '../cli-error.js';
import { packageRootAbove } from '../package-root.js';
import { registerAttachCommands } from './attach.js';
import { registerPipelineCommands } from './pipeline.js';
import { registerConsumeCommand } from './consume.js';
import { registerGroupCommands } from './group.js';
import { registerProduceCommand } from './produce.js';
import { registerTopicCommands } from './topic.js';

interface BrokerStartFlags {
  host?: string;
  port?: string;
  data?: string;
  bucket?: string;
  s3Endpoint?: string;
  s3Region?: string;
  config?: string;
  metricsPort?: string;
  flushMaxBytes?: string;
  flushIntervalMs?: string;
  registerExamples?: boolean;
  autoCreateTopics?: boolean;
  defaultPartitions?: string;
  nodeId?: string;
  logLevel?: string;
}

/** Exit code when a newer broker took over the bucket. */
const EXIT_FENCED = 3;

async function brokerStart(flags: BrokerStartFlags): Promise<void> {
  // Imported here so `sluice topic list` and friends never load the broker.
  const { ConfigError, loadBrokerConfig } = await import('../../broker/config.js');
  let config;
  try {
    const { config: file, ...rest } = flags;
    config = await loadBrokerConfig({ file, env: process.env, flags: { ...rest } });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 2, { cause: err });
    throw err;
  }
  if (config.data === undefined && config.bucket === undefined) {
    throw new CliError('config: data: give --data <dir> or --bucket s3://bucket/prefix', 2);
  }
  const { startBroker } = await import('../../broker/broker.js');
  const broker = await startBroker(config);

  // Installed before the listening line: whoever reads it may send SIGTERM at once, and without a
  // handler Node would die of it without flushing.
  let exitCode = 0;
  const shutdown = (signal: string): void => {
    broker.logger.info({ signal }, 'shutting down');
    broker.close().then(
      () => process.exit(exitCode),
      (err: unknown) => {
        broker.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  void broker.fenced.then(() => {
    broker.logger.fatal('fenced: a newer broker owns this bucket; exiting');
    exitCode = EXIT_FENCED;
    shutdown('fenced');
  });

  if (config.registerExamples) await registerExamples(broker);
  process.stdout.write(`sluice broker listening on ${broker.host}:${broker.port} (bucket: ${broker.bucket})\n`);
}

/** Registers the built example modules in the bucket (`npm start` does it); unbuilt ones are named in a warning. */
async function registerExamples(broker: RunningBroker): Promise<void> {
  const { registerExampleModules, defaultModulesDir } = await import('../../runtime/index.js');
  // The checkout holding this file (in dist/ or the bundle), where modules/ lives.
  const root = packageRootAbove(import.meta.url);
  const { registered, missing } = await registerExampleModules(broker.store, defaultModulesDir(root));
  broker.logger.info({ modules: registered.map((m) => m.name) }, 'registered example modules');
  if (missing.length > 0) {
    broker.logger.warn({ missing }, 'example modules not built (run npm run build:modules); not registered');
  }
}

/** `sluice broker start`, and the client commands `topic ...`, `group ...`, `produce`, `consume`, `attach`, `detach`, `attachment ...`. */
export function registerBrokerCommands(program: Command): void {
  const broker = program.command('broker').description('run a sluice broker');
  broker
    .command('start')
    .description('start a broker; prints one line when it accepts connections')
    .option('--host <host>', 'listen address (default 127.0.0.1)')
    .option('--port <port>', 'listen port, 0 for any free one (default 9092)')
    .option('--data <dir>', 'local directory bucket')
    .option('--bucket <url>', 'S3 bucket: s3://bucket/prefix')
    .option('--s3-endpoint <url>', 'S3 endpoint URL (S3-compatible servers)')
    .option('--s3-region <region>', 'S3 region')
    .option('--config <file>', 'YAML config file (flags and SLUICE_* variables override it)')
    .option('--metrics-port <port>', 'serve Prometheus metrics on this port')
    .option('--flush-max-bytes <n>', 'flush the log buffer at this many bytes')
    .option('--flush-interval-ms <n>', 'flush the log buffer this long after the first append')
    .option('--auto-create-topics', 'create a topic on its first use by a client (the default)')
    .option('--no-auto-create-topics', 'answer UNKNOWN_TOPIC_OR_PARTITION for a topic not created first')
    .option('--default-partitions <n>', 'partitions of a topic created on first use (default 1)')
    .option('--node-id <n>', 'broker id reported to clients')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option('--register-examples', 'register the example SmartModules in the bucket')
    .action(async (flags: BrokerStartFlags) => {
      await brokerStart(flags);
    });
  registerTopicCommands(program);
  registerGroupCommands(program);
  registerProduceCommand(program);
  registerConsumeCommand(program);
  registerAttachCommands(program);
  registerPipelineCommands(program);
}
