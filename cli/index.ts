import { Command, CommanderError } from 'commander';
import { registerBrokerCommands } from './commands/broker.js';
import { registerModuleCommands } from './commands/module.js';
import { CliError } from './cli-error.js';

const program = new Command();
program
  .name('sluice')
  .description('Stream processing unit: Kafka protocol, object-storage log, WebAssembly SmartModules')
  .option('--output <format>', 'output format: text or json', 'text')
  .exitOverride()
  .showHelpAfterError(false);

registerBrokerCommands(program);
registerModuleCommands(program);

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
