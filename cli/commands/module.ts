import type { Command } from 'commander';

/** `sluice module build|test|...`: owned by the runtime work. */
export function registerModuleCommands(program: Command): void {
  void program;
}
