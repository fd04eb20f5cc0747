import type { Command } from 'commander';

/** `sluice broker start`, `topic ...`, `produce`, `consume`: owned by the broker work. */
export function registerBrokerCommands(program: Command): void {
  void program;
}
