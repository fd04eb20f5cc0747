/** The full `sluice` CLI as ES modules: every command, the module commands loaded on demand. */
import { runCli } from './run.js';

// The module commands load the runtime; the broker-side commands never need it.
await runCli(process.argv, async () => (await import('./commands/module.js')).registerModuleCommands);
