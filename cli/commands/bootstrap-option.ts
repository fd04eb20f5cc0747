/** The `--bootstrap` option every command that talks to a running broker takes. */
import type { Command } from 'commander';
import { DEFAULT_BOOTSTRAP } from '../kafka-client/client-helpers.js';

export function withBootstrap(cmd: Command): Command {
  return cmd.option('--bootstrap <host:port>', 'broker address', DEFAULT_BOOTSTRAP);
}
