/**
 * The commands that run on the broker side of sluice: `broker start` and the Kafka client
 * commands. They need neither the SmartModule runtime nor the S3 SDK, so they are the ones the
 * bundled fast entry serves (`broker start` must accept connections fast: cold start target 300 ms).
 */
const BROKER_SIDE_COMMANDS: ReadonlySet<string> = new Set(['broker', 'topic', 'group', 'produce', 'consume', 'attach', 'detach', 'attachment', 'pipeline']);

/** `argv` as in process.argv: the command is argv[2]. `consume --module` runs a module here, so it needs the runtime. */
export function isBrokerSideCommand(argv: readonly string[]): boolean {
  if (argv[2] === 'consume' && argv.some((a) => a === '--module' || a.startsWith('--module='))) return false;
  return BROKER_SIDE_COMMANDS.has(argv[2] ?? '');
}
