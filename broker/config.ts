/**
 * The broker's configuration: defaults < YAML file < SLUICE_* environment < flags.
 * Validated once with zod; a bad value becomes one error naming the key.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  BROKER_DEFAULT_HOST,
  BROKER_DEFAULT_NODE_ID,
  BROKER_DEFAULT_PORT,
} from './constants.js';

export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

const INTEGER = /^-?\d+$/;

/** Flags and environment variables arrive as strings; YAML may already hold numbers. */
function intIn(min: number, max: number) {
  const message = `expected a number from ${min} to ${max}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && INTEGER.test(v.trim()) ? Number(v.trim()) : v),
    z
      .number({ error: message })
      .int({ error: message })
      .min(min, { error: message })
      .max(max, { error: message }),
  );
}

const bool = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes' || s === 'on') return true;
    if (s === 'false' || s === '0' || s === 'no' || s === 'off' || s === '') return false;
    return v;
  },
  z.boolean({ error: 'expected true or false' }),
);

const text = z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });

const bucketUrl = text.regex(/^s3:\/\/[^/]+(\/.*)?$/, { error: 'expected s3://bucket/prefix' });

const brokerConfigShape = {
    host: text.default(BROKER_DEFAULT_HOST),
    port: intIn(0, 65535).default(BROKER_DEFAULT_PORT),
    /** The host clients are told to connect to; the listen host when absent. */
    advertisedHost: text.optional(),
    nodeId: intIn(0, 2 ** 31 - 1).default(BROKER_DEFAULT_NODE_ID),
    data: text.optional(),
    bucket: bucketUrl.optional(),
    s3Endpoint: z.url({ error: 'expected a URL' }).optional(),
    s3Region: text.optional(),
    metricsPort: intIn(0, 65535).optional(),
    flushMaxBytes: intIn(1, 2 ** 31 - 1).optional(),
    flushIntervalMs: intIn(0, 60_000).optional(),
    /** Kafka's auto.create.topics.enable: a topic is created on first use (Metadata or Produce). */
    autoCreateTopics: bool.default(true),
    /** Kafka's num.partitions: partitions of a topic created on first use. */
    defaultPartitions: intIn(1, 10_000).default(1),
    registerExamples: bool.default(false),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'expected one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
};

export const brokerConfigSchema = z
  .object(brokerConfigShape)
  .strict()
  .refine((c) => !(c.data !== undefined && c.bucket !== undefined), {
    error: 'give either data or bucket, not both',
    path: ['bucket'],
  });

export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
export type BrokerConfigInput = z.input<typeof brokerConfigSchema>;

/** Accept `flush-max-bytes`, `flush_max_bytes` and `flushMaxBytes` alike in files. */
function camel(key: string): string {
  return key.replace(/[-_]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

const ENV_PREFIX = 'SLUICE_';
const CONFIG_KEYS = new Set(Object.keys(brokerConfigShape));

/** SLUICE_FLUSH_MAX_BYTES → flushMaxBytes; only keys the schema knows are taken. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const key = camel(name.slice(ENV_PREFIX.length).toLowerCase());
    if (CONFIG_KEYS.has(key)) out[key] = value;
  }
  return out;
}

export async function configFromFile(path: string): Promise<Record<string, unknown>> {
  let raw: unknown;
  try {
    // The YAML parser loads only when a file is given: it costs start-up time otherwise.
    const { parse } = await import('yaml');
    raw = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`config: cannot read ${path}: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
    });
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`config: ${path}: expected a mapping of keys to values`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[camel(k)] = v;
  return out;
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Validates an already merged object; the error names the first bad key. */
export function parseBrokerConfig(input: Record<string, unknown>): BrokerConfig {
  const result = brokerConfigSchema.safeParse(dropUndefined(input));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new ConfigError(`config: ${issue.keys[0]}: unknown key`);
  }
  const key = issue.path.map(String).join('.') || '(root)';
  throw new ConfigError(`config: ${key}: ${issue.message}`);
}

export interface ConfigSources {
  /** Path of a YAML file (`--config`). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag values, already camelCased; undefined means "not given". */
  flags?: Record<string, unknown>;
}

export async function loadBrokerConfig(sources: ConfigSources): Promise<BrokerConfig> {
  const layers = [
    sources.file !== undefined ? await configFromFile(sources.file) : {},
    sources.env !== undefined ? configFromEnv(sources.env) : {},
    sources.flags ?? {},
  ].map(dropUndefined);
  let merged: Record<string, unknown> = {};
  for (const layer of layers) {
    // data and bucket exclude each other: a higher layer choosing one drops the other below it.
    if ('data' in layer && !('bucket' in layer)) delete merged.bucket;
    if ('bucket' in layer && !('data' in layer)) delete merged.data;
    merged = { ...merged, ...layer };
  }
  return parseBrokerConfig(merged);
}
