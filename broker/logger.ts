/**
 * The broker's structured log: pino, written to stderr so that stdout carries only
 * the one "listening" line that scripts and tests wait for.
 * Level: the `level` option, else SLUICE_LOG_LEVEL, else LOG_DEFAULT_LEVEL.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { LOG_DEFAULT_LEVEL } from './constants.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** The level to use: explicit, then SLUICE_LOG_LEVEL, then the default; an unknown name is an error that names its source. */
export function resolveLogLevel(level?: string, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const [value, source] = level !== undefined ? [level, 'log level'] : env.SLUICE_LOG_LEVEL ? [env.SLUICE_LOG_LEVEL, 'SLUICE_LOG_LEVEL'] : [LOG_DEFAULT_LEVEL, 'default'];
  const normalized = value.trim().toLowerCase();
  if (!isLogLevel(normalized)) throw new Error(`${source}: "${value}" is not one of ${LOG_LEVELS.join(', ')}`);
  return normalized;
}

export interface LoggerOptions {
  level?: string;
  /** Fields on every line (node id, component). */
  base?: Record<string, unknown>;
  /** Where lines go; stderr by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    { level: resolveLogLevel(options.level), base: { pid: process.pid, ...options.base } },
    // Asynchronous: a slow stderr reader must not stall the record path. pino flushes it on exit.
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that drops everything, for library use and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
