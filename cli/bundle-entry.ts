/**
 * The entry of dist/sluice-broker.cjs, the one-file bundle of the broker-side commands that
 * bin/sluice.js runs (with a V8 code cache) when it exists and is not older than dist/. Loading
 * one file instead of ~190 ES modules is most of what makes `broker start` accept fast.
 * Everything else goes to the full CLI (dist/cli/index.js); bin/sluice.js asks `serves` first.
 */
import { isBrokerSideCommand } from './broker-side.js';

export function serves(argv: readonly string[]): boolean {
  return isBrokerSideCommand(argv);
}

export async function run(argv: readonly string[]): Promise<void> {
  // Evaluated only now: asking `serves` costs nothing but this file.
  const { runCli } = await import('./run.js');
  await runCli(argv);
}
