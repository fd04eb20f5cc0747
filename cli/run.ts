/**
 * The `sluice` program: commander over the commands, and the edge where an error becomes one
 * line on stderr and an exit code. Shared by the full CLI (cli/index.ts) and the bundled
 * broker-side entry (cli/bundle-entry.ts), so both parse and fail alike.
 */
import { Command, CommanderError } from 'commander';
import { isBrokerSideCommand } from './broker-side.js';
import { CliError } from './cli-error.js';
import { registerBrokerCommands } from './commands/broker.js';

export type RegisterCommands = (program: Command) => void;

/**
 * Parses `argv` (as process.argv) and runs the command. `loadModuleCommands` adds the module
 * commands; it is called only when argv names no broker-side command, since those never need them.
 */
export async function runCli(argv: readonly string[], loadModuleCommands?: () => Promise<RegisterCommands>): Promise<void> {
  const program = new Command();
  program
    .name('sluice')
    .description('Stream processing unit: Kafka protocol, object-storage log, WebAssembly SmartModules')
    .option('--output <format>', 'output format: text or json', 'text')
    .exitOverride()
    .showHelpAfterError(false);

  registerBrokerCommands(program);
  if (loadModuleCommands !== undefined && !isBrokerSideCommand(argv)) {
    (await loadModuleCommands())(program);
  }

  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`sluice: ${message.split('\n')[0]}\n`);
    process.exit(err instanceof CliError ? err.exitCode : 1);
  }
}
