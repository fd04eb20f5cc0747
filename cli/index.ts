import { Command, CommanderError } from 'commander';
import { registerBrokerCommands } from './commands/broker.js';
import { CliError } from './cli-error.js';

const BROKER_SIDE_COMMANDS = new Set(['broker', 'topic', 'produce', 'consume']);

const program = new Command();
program
  .name('sluice')
  .description('Stream processing unit: Kafka protocol, object-storage log, WebAssembly SmartModules')
  .option('--output <format>', 'output format: text or json', 'text')
  .exitOverride()
  .showHelpAfterError(false);

registerBrokerCommands(program);
// The module commands load the runtime and the S3 SDK; the broker and client commands need
// neither, and `broker start` must accept connections fast (cold start target 300 ms).
if (!BROKER_SIDE_COMMANDS.has(process.argv[2] ?? '')) {
  const { registerModuleCommands } = await import('./commands/module.js');
  registerModuleCommands(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`sluice: ${message.split('\n')[0]}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
